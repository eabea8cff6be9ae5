"""`python -m mentorship`: one command, then the process ends."""

import gc
import os
import sys

# Loading pandas, SQLAlchemy and SciPy makes some 200,000 objects that live until the end; with the
# default thresholds the cycle collector walked them all again and again while they loaded (0.2 s of
# `suggest`'s 1.6 s), and once more at exit (0.3 s). A command is short: collect young objects less
# often, and leave what is left at exit to be freed without a walk.
gc.set_threshold(10_000, 50, 100)

from mentorship.cli import main  # noqa: E402  (after the thresholds: it is what they are for)

try:
    code = main()
    sys.stdout.flush()
except BrokenPipeError:
    # The reader went away (`... | head`): stop quietly, as Python's documentation recommends, instead
    # of a traceback now and another when the interpreter flushes at exit.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    code = 1
gc.freeze()
sys.exit(code)
