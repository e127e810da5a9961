"""The ``lijiao`` command: the project's manage.py (``lijiao verify-audit`` = ``lijiao verify_audit``)."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lijiao.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    argv[0] = "lijiao"
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
