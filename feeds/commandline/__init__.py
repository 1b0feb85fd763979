"""The terminal edge behind ``cli.main``: the command line's grammar (``parser``), each
command run and printed (``building``, ``runs``; ``tables`` for ``feeds topics``), and
stdout at the end (``streams``).
"""
