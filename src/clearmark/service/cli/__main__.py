"""``python -m clearmark.service.cli``: the same as the ``clearmark`` command."""

import sys

from clearmark.service.cli import main

sys.exit(main())
