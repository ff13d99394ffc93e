"""gunicorn's settings, read from the working directory by `gunicorn wsgi:app`."""
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "1"))
# Generous for a lookup that may wait on Open Library for up to 5 x METADATA_TIMEOUT.
timeout = 60
accesslog = "-"
# gunicorn 27's control socket lives at one fixed path per user; the API does not use it.
control_socket_disable = True

