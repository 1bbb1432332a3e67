"""`python -m sim` is the `badia` command."""

import sys

from sim.cli import main

sys.exit(main())
