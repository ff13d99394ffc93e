"""The intern's page at /: one HTML page and its ES modules, served by the app (no build step, no CDN)."""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, make_response, render_template, request, send_from_directory

from ..extensions import limiter

STATIC = Path(__file__).resolve().parent / "static"
ASSET_PREFIX = "/page"

# Scripts and styles from this origin only (no inline code, so an injected tag cannot run); covers come
# from Open Library, Google Books, or wherever OPENLIBRARY_COVERS_URL points; the page talks to this API alone.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' https: http:",
    "connect-src 'self'",
    "media-src 'self' blob: mediastream:",  # the camera scanner's preview
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
])
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=()",
    "X-Frame-Options": "DENY",
}
# A versioned asset never changes under its URL; the page itself is revalidated on every visit.
IMMUTABLE = "public, max-age=31536000, immutable"

bp = Blueprint("page", __name__, template_folder="templates")


@bp.route("/", methods=["GET"])
@limiter.exempt
def index():
    """Serve the page, naming its assets by a hash of their content."""
    response = make_response(render_template("page/index.html", assets=f"{ASSET_PREFIX}/{asset_version()}"))
    response.headers.update(PAGE_HEADERS)
    response.cache_control.no_cache = True
    response.add_etag()
    return response.make_conditional(request)


@bp.route(f"{ASSET_PREFIX}/<version>/<path:filename>", methods=["GET"])
@limiter.exempt
def asset(version: str, filename: str):
    """Serve one of the page's files; cached for good when the URL names the current version."""
    current = version == asset_version()
    response = send_from_directory(STATIC, filename, max_age=None if current else 0)
    if current:
        response.headers["Cache-Control"] = IMMUTABLE
    else:  # a page from before a deploy: the current file, revalidated next time
        response.cache_control.no_cache = True
    return response


def asset_version() -> str:
    """A short hash of every static file: it changes whenever one of them does."""
    files = sorted(path for path in STATIC.rglob("*") if path.is_file())
    return _content_hash(tuple((str(path), path.stat().st_mtime_ns, path.stat().st_size) for path in files))


@lru_cache(maxsize=8)
def _content_hash(signature: tuple) -> str:
    # Keyed by names, times and sizes (a stat per request), but a hash of the bytes, so that every host
    # of one release names its assets alike whatever the files' times there.
    digest = hashlib.sha256()
    for name, _, _ in signature:
        digest.update(Path(name).relative_to(STATIC).as_posix().encode() + b"\0")
        digest.update(Path(name).read_bytes() + b"\0")
    return digest.hexdigest()[:12]
