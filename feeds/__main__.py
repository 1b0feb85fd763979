"""``python -m feeds``: the same as the ``feeds`` console script."""

import sys

from .cli import main

if __name__ == "__main__":  # worker processes import this module again: run nothing then
    sys.exit(main())
