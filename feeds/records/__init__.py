"""Record stage: a file → raw records (``frontmatter`` for Markdown, ``datafiles`` for JSON
and YAML with ``jsonpos`` for line numbers, ``fastyaml*`` the front-matter fast path,
``raw`` what they give) → validated records (``fields`` and ``dates`` checked, text and
HTML made safe by ``sanitize``, players recognised by ``video``, ``validate`` assembled),
and a build's read stage (``reading``).
"""
