"""The headers of a paginated list (X-Total-Count and an RFC 8288 Link) and the catalog's cursors."""
from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from urllib.parse import urlencode

from flask import request

from .domain import Page

# Sort keys whose cursor value is a time (JSON carries it as ISO 8601 text).
TIME_KEYS = ("created_at",)


def encode_cursor(sort: str, value, last_id: int) -> str:
    """An opaque cursor: the order it belongs to, and the sort value and id of the last item shown."""
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps([sort, value, last_id], separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str) -> tuple[str, object, int]:
    """(sort, value, id) of a cursor made by encode_cursor. Raises ValueError for anything else."""
    try:
        sort, value, last_id = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, UnicodeDecodeError, TypeError, ValueError):
        raise ValueError("Not a cursor this API made; follow the Link header's next.") from None
    if not isinstance(sort, str) or not isinstance(last_id, int) or isinstance(last_id, bool):
        raise ValueError("Not a cursor this API made; follow the Link header's next.")
    if value is not None and sort.lstrip("-") in TIME_KEYS:
        value = datetime.fromisoformat(value)
    elif value is not None and not isinstance(value, (str, int)) or isinstance(value, bool):
        raise ValueError("Not a cursor this API made; follow the Link header's next.")
    return sort, value, last_id


def _url(**changes) -> str:
    # Relative to the server (RFC 8288 allows it): a link never carries the untrusted Host header.
    args = request.args.copy()
    for name, value in changes.items():
        args.pop(name, None)
        if value is not None:
            args[name] = str(value)
    return f"{request.script_root}{request.path}?{urlencode(list(args.items(multi=True)))}"


def _link(links: dict) -> str:
    return ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())


def page_headers(total: int, page: int, per_page: int) -> dict:
    """Headers telling a client the total and where the neighbouring pages are."""
    last = max(1, -(-total // per_page))
    links = {"first": 1, "last": last}
    if page > 1:
        links["prev"] = min(page - 1, last)
    if page < last:
        links["next"] = page + 1
    return {"X-Total-Count": str(total), "Link": _link({rel: _url(page=n) for rel, n in links.items()})}


def cursor_headers(found: Page, *, page: int, per_page: int, next_cursor: str | None) -> dict:
    """A catalog page's headers: `next` carries a cursor, so following links never pays for an offset;
    the total and `last` only while the matches number at most COUNT_LIMIT."""
    links = {"first": _url(page=1, after=None)}
    if page > 1:
        links["prev"] = _url(page=page - 1, after=None)
    if found.more and next_cursor:
        links["next"] = _url(page=None, after=next_cursor)
    headers = {}
    if found.total is not None:
        links["last"] = _url(page=max(1, -(-found.total // per_page)), after=None)
        headers["X-Total-Count"] = str(found.total)
    return {**headers, "Link": _link(links)}
