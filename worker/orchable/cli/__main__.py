"""`python -m orchable.cli`, as the installed `orchable` command."""

import sys

from orchable.cli.main import main

sys.exit(main())
