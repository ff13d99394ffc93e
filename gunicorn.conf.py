"""Read by `gunicorn wsgi:app` from the repository's root: the settings live in deploy/gunicorn.conf.py.

Loaded rather than copied, so the two ways of starting gunicorn cannot drift apart.
"""
import runpy
from pathlib import Path

globals().update({name: value for name, value in
                  runpy.run_path(str(Path(__file__).resolve().parent / "deploy" / "gunicorn.conf.py")).items()
                  if not name.startswith("__")})
