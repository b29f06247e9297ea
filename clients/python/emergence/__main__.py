"""python -m emergence: the client's command line (see emergence.cli)."""
import sys

from emergence.cli import main

sys.exit(main())
