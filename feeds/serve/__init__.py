"""Preview edge: the read-only preview server (``server``), its link rewriting (``links``),
and the media types and web-server snippets of ``feeds serve-config`` (``snippets``).
"""
