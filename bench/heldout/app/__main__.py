"""``python -m bench.heldout.app serve|dump``."""

import sys

from bench.heldout.app.server import main

sys.exit(main())
