"""Configuration stage: ``config/feeds.yaml`` → ``Config``: ``load`` reads it (``limits``),
``check`` walks its sections, ``values`` converts each value by its kind (``kinds``, the
``keys`` table); ``topics`` and their tree; ``starter`` writes the file for `feeds init`.
"""
