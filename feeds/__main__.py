"""``python -m feeds``: the same as the ``feeds`` console script."""

import sys

from .cli import main

sys.exit(main())
