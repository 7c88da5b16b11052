"""`python -m kit.grader`: the workshop's command line (`make workshop`, `make check`)."""

import sys

from kit.grader.cli import main

try:
    sys.exit(main())
except KeyboardInterrupt:
    sys.exit(130)
