"""Record stage: a file → raw records (``frontmatter`` for Markdown, ``datafiles`` for JSON
and YAML, ``fastyaml*`` the front-matter fast path, ``raw`` what they give) → validated
records (``fields`` and ``dates`` checked, ``validate`` assembled), and a build's read
stage (``reading``).
"""
