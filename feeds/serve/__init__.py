"""Preview edge: the read-only preview server, its link rewriting, and web-server snippets."""
