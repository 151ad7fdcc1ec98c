"""``python -m nndl``: the command line, as the ``nndl`` script."""
import sys

from .cli.main import main

sys.exit(main())
