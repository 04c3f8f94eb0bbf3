"""``python -m polyverify`` runs the ``polyverify`` command line."""

import sys

from .cli import main

sys.exit(main())
