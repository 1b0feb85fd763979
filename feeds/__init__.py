"""feeds: publish per-topic RSS 2.0 and Atom 1.0 feeds from a folder of article records."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("feeds")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
