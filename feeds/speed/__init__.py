"""Speed boundary: what only makes runs cheaper (parse cache, worker pool, no-change shortcut,
render memo); the pipeline is correct without it.
"""
