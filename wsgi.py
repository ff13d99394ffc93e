"""The production entry point: `gunicorn wsgi:app`, and `flask --app wsgi ...` for commands."""
import sys

from config import ConfigError
from library_api import create_app

try:
    app = create_app()
except ConfigError as error:
    # One clear line for the operator, not a traceback.
    sys.exit(f"library-api: configuration error: {error}")
