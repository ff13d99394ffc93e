"""The headers of a paginated list: X-Total-Count and an RFC 8288 Link."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import request


def _page_url(page: int) -> str:
    # Relative to the server (RFC 8288 allows it): a link never carries the untrusted Host header.
    args = request.args.copy()
    args["page"] = str(page)
    return f"{request.script_root}{request.path}?{urlencode(list(args.items(multi=True)))}"


def page_headers(total: int, page: int, per_page: int) -> dict:
    """Headers telling a client the total and where the neighbouring pages are."""
    last = max(1, -(-total // per_page))
    links = {"first": 1, "last": last}
    if page > 1:
        links["prev"] = min(page - 1, last)
    if page < last:
        links["next"] = page + 1
    link = ", ".join(f'<{_page_url(number)}>; rel="{rel}"' for rel, number in links.items())
    return {"X-Total-Count": str(total), "Link": link}
