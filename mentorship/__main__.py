import sys

from mentorship.cli import main

sys.exit(main())
