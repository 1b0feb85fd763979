"""Render stage: RSS/Atom (feedgen), JSON Feed, OPML, subscribe pages, archives, size limits
and render-time sanitizing.
"""
