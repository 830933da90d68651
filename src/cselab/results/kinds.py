"""The ``kind`` of each JSON record cselab writes, by which readers recognise it."""

from __future__ import annotations

#: ``cselab evaluate``'s result (:func:`cselab.evaluation.suite.run_sts_suite`).
STS_KIND = "cselab-sts"
#: ``cselab gradients``'s summary (:func:`cselab.gradients.outputs.write_gradient_outputs`).
GRADIENTS_KIND = "cselab-gradients"
