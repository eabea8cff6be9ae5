"""`python -m mentorship`: one command, then the process ends."""

import gc
import os
import sys

# A command is short and keeps most of what it makes until it ends. The cycle collector would walk every
# new object at least once: 27 young collections, 0.04 s of `suggest --json`'s 1.2 s, and with the
# default thresholds loading pandas, SQLAlchemy and SciPy (some 200,000 objects) made it walk them all
# again and again (0.2 s), and once more at exit (0.3 s). So a command runs without it; its peak memory
# was the same either way, measured on the demo's 10,000 x 20,000 store and an import of 10,000 mentors.
gc.disable()

from mentorship.cli import main  # noqa: E402  (after the collector is off: it is what that is for)

try:
    code = main()
    sys.stdout.flush()
except BrokenPipeError:
    # The reader went away (`... | head`): stop quietly, as Python's documentation recommends, instead
    # of a traceback now and another when the interpreter flushes at exit.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    code = 1
gc.freeze()  # the interpreter's last collection at exit runs collector or not: leave all this out of it
sys.exit(code)
