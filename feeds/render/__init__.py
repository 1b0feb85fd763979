"""Render stage, values to bytes: RSS/Atom via feedgen (``feed``), JSON Feed (``jsonfeed``,
its text by ``jsontext``), an entry's HTML (``entryhtml``), archives (``archive``), size
limits (``sizing``), OPML (``opml``), subscribe pages (``pages``, ``sitepages``) and
render-time sanitizing (``safe``); ``documents`` draws every file of a build; no I/O.
"""
