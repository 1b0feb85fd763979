"""Record stage: a file's front matter (PyYAML or the fast path) -> raw records -> validated
records, and the read stage of a build.
"""
