"""Network edge: bounded HTTP requests (``limits``), the one retry loop (``retry``), the
conditional-GET client (``httpcache``) and its cache folder (``cachefiles``), the
public-address guard (``guard``) and image enclosure lookups (``enclosures``).
"""
