"""The `berdaya` console command: Django's manage.py under a friendlier name.

berdaya areas load --regency 15.02
berdaya demo --households 2000 --seed 1
berdaya runserver
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "berdaya.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    argv[0] = "berdaya"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
