"""The client behind a proxy (SPEC.md, Service): PROXY_COUNT says how many proxies to believe."""
from __future__ import annotations

import pytest

from library_api import create_app
from tests.conftest import PASSWORD

pytestmark = pytest.mark.parametrize("store", ["memory"])  # the client's address does not depend on the store

PROXY = "10.0.0.9"


def _behind_proxy(settings, **overrides):
    app = create_app({**settings, "RATELIMIT_ENABLED": True, "RATELIMIT_LOGIN": "2 per minute", **overrides})
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = PROXY
    return client


def _login(client, forwarded_for: str):
    return client.post("/login", json={"username": "nobody", "password": PASSWORD},
                       headers={"X-Forwarded-For": forwarded_for})


def test_two_clients_behind_a_trusted_proxy_have_their_own_login_buckets(settings):
    client = _behind_proxy(settings, PROXY_COUNT=1)
    first = [_login(client, "203.0.113.1").status_code for _ in range(3)]
    assert first == [401, 401, 429]
    assert _login(client, "203.0.113.2").status_code == 401  # another client, its own bucket


def test_only_the_address_the_trusted_proxy_appended_counts(settings):
    """A client's own X-Forwarded-For entries come before the proxy's: with one proxy trusted, only the last."""
    client = _behind_proxy(settings, PROXY_COUNT=1)
    assert [_login(client, f"198.51.100.{n}, 203.0.113.1").status_code for n in range(3)] == [401, 401, 429]


def test_without_a_trusted_proxy_a_forged_forwarded_for_changes_nothing(settings):
    client = _behind_proxy(settings)  # PROXY_COUNT defaults to 0
    answers = [_login(client, f"203.0.113.{n}").status_code for n in range(3)]
    assert answers == [401, 401, 429]  # one bucket: the connecting address's


def test_a_trusted_proxy_reports_address_and_scheme_but_never_the_host(settings):
    client = _behind_proxy(settings, PROXY_COUNT=1)
    app = client.application

    @app.route("/_seen")
    def seen():
        from flask import request

        return {"remote_addr": request.remote_addr, "scheme": request.scheme, "host": request.host}

    response = client.get("/_seen", headers={"X-Forwarded-For": "203.0.113.1", "X-Forwarded-Proto": "https",
                                             "X-Forwarded-Host": "evil.example"})
    assert response.get_json() == {"remote_addr": "203.0.113.1", "scheme": "https", "host": "localhost"}


def test_proxy_count_must_not_be_negative(settings):
    from config import ConfigError

    with pytest.raises(ConfigError, match="PROXY_COUNT"):
        create_app({**settings, "PROXY_COUNT": -1})
