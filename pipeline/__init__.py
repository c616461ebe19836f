"""wirepipe: streaming ingestion of Arabic wire-service news with Apache Beam."""
from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("wirepipe")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"
