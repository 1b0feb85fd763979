"""HTTP client edge: bounded requests, the conditional-GET cache, the public-address guard and
enclosure lookups.
"""
