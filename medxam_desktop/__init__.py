"""MedXam Desktop: the offline-capable exam client for test-centre workstations."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("medxam-desktop")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
