"""``python -m model`` is the ``socialweb`` command."""

import sys

from model.cli import main

sys.exit(main())
