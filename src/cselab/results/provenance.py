"""What produced a number: package versions and a timestamp, recorded with every result."""

from __future__ import annotations

import platform
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version

RECORDED_PACKAGES = ("cselab", "torch", "transformers", "sentence-transformers", "numpy", "scipy")


def package_versions() -> dict[str, str]:
    """``{"python": ..., "torch": ..., ...}``; a package that is not installed is 'absent'."""
    found = {"python": platform.python_version()}
    for name in RECORDED_PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "absent"
    return found


def provenance() -> dict[str, object]:
    """Versions plus the UTC time of the run, for ``summary.json``-like records."""
    return {
        "versions": package_versions(),
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
