"""Embedding-space geometry (Xiao et al. 2023; Ethayarajh 2019; Timkey & van Schijndel 2021).

``cselab.geometry.registry.METRICS`` is the one table of metric families (each a
:class:`~cselab.geometry.spec.MetricSpec` over the running statistics of
:mod:`cselab.geometry.statistics`); :func:`cselab.geometry.analysis.analyze_geometry`
runs them on a model, and :mod:`cselab.geometry.pipeline` on batches from any source.
"""
