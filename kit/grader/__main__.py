"""`python -m kit.grader`: the workshop's command line (`make workshop`, `make check`)."""

import os
import sys

from kit.grader.cli import main

try:
    sys.exit(main())
except KeyboardInterrupt:
    sys.exit(130)
except BrokenPipeError:
    # The reader stopped reading (`make check | head`): nothing more to show, and no
    # traceback. Python would print one more error as it flushes stdout on its way out.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(1)
