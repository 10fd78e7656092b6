"""`python -m troubleshooter` is the same program as the console script."""

import sys

from troubleshooter.cli import main

sys.exit(main())
