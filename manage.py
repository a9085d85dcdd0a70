#!/usr/bin/env python
"""Django's command-line utility; configuration errors end with one line, not a traceback."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from opencorpo.cli import run_django_command

    sys.exit(run_django_command(sys.argv))
