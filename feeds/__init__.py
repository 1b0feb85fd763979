"""feeds: publish per-topic RSS 2.0, Atom 1.0 and JSON Feed 1.1 feeds from a folder of
article records."""

# The one place the version is written (pyproject.toml reads it from here): reading it
# from the installed metadata instead costs 25 ms on every cron run.
__version__ = "0.1.0"
