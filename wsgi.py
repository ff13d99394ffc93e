"""The production entry point: `gunicorn wsgi:app`, and `flask --app wsgi ...` for commands."""
import sys

import click

from config import ConfigError
from library_api import create_app

# gunicorn stops at a worker's exit status 3 (a boot error) instead of starting it again and again.
WORKER_BOOT_ERROR = 3


def _serving() -> bool:
    """False when `flask --app wsgi <command>` loaded the app for a command other than `run`."""
    command = click.get_current_context(silent=True)
    return command is None or command.info_name == "run"


try:
    app = create_app(None if _serving() else {"SERVING": False})
except ConfigError as error:
    # One clear line for the operator, not a traceback.
    print(f"library-api: configuration error: {error}", file=sys.stderr)
    sys.exit(WORKER_BOOT_ERROR)
