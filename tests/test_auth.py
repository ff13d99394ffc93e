"""Accounts and tokens through HTTP: register, log in (JSON and OAuth2 form), log out, and every bad token."""
from __future__ import annotations

import uuid
from datetime import timedelta

import jwt as pyjwt
import pytest
from flask_jwt_extended import create_access_token

from library_api import create_app
from library_api.auth.passwords import Passwords
from library_api.web import uow
from tests.conftest import PASSWORD, client_as, make_admin, sign_in, sign_up


def error_code(response) -> str:
    return response.get_json()["error"]["code"]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("path", ["/register", "/auth/register"])
def test_register_answers_the_user_without_password(client, path):
    response = client.post(path, json={"username": "ada", "password": PASSWORD, "email": "ada@example.org",
                                       "name": "Ada Lovelace"})

    assert response.status_code == 201
    user = response.get_json()
    assert set(user) == {"id", "name", "username", "email", "is_admin", "is_active", "created_at"}
    assert user["username"] == "ada" and user["name"] == "Ada Lovelace" and user["is_admin"] is False
    assert "password" not in response.get_data(as_text=True)


def test_register_refuses_taken_names_whatever_their_case(client):
    sign_up(client, "ada", email="ada@example.org")
    assert error_code(client.post("/register", json={"username": "ADA", "password": PASSWORD})) == "USERNAME_TAKEN"
    taken = client.post("/register", json={"username": "other", "password": PASSWORD, "email": "ADA@example.org"})
    assert taken.status_code == 409 and error_code(taken) == "EMAIL_TAKEN"


@pytest.mark.parametrize("body, field", [
    ({"username": "ada", "password": "short"}, "password"),
    ({"username": "ada", "password": "x" * 129}, "password"),
    ({"username": "ada", "password": PASSWORD, "is_admin": True}, "is_admin"),
    ({"username": "a d", "password": PASSWORD}, "username"),
    ({"username": "ada", "password": PASSWORD, "email": "not-an-email"}, "email"),
    ({"password": PASSWORD}, "username"),
    ({"username": "ada", "password": PASSWORD, "id": 1}, "id"),
])
def test_register_validates_and_never_makes_an_admin(client, body, field):
    response = client.post("/register", json=body)
    assert response.status_code == 422 and field in response.get_json()["error"]["details"]
    assert client.post("/login", json={"username": "ada", "password": PASSWORD}).status_code == 401


def test_login_answers_a_bearer_token(client):
    sign_up(client, "ada", email="ada@example.org")
    for login in ("ada", "ADA", "ada@example.org"):
        response = client.post("/login", json={"username": login, "password": PASSWORD})
        assert response.status_code == 200
        body = response.get_json()
        assert body["token_type"] == "bearer" and body["expires_in"] == 30 * 60 and body["access_token"]
    assert client.post("/login", json={"email": "ada@example.org", "password": PASSWORD}).status_code == 200


def test_unknown_user_and_wrong_password_get_the_same_answer(client):
    sign_up(client, "ada")
    wrong = client.post("/login", json={"username": "ada", "password": "wrong password!"})
    unknown = client.post("/login", json={"username": "nobody", "password": "wrong password!"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json()
    assert error_code(wrong) == "INVALID_CREDENTIALS"


def test_oauth2_password_flow_takes_form_fields(client):
    sign_up(client, "ada")
    response = client.post("/auth/token", data={"username": "ada", "password": PASSWORD, "grant_type": "password",
                                                "scope": ""})
    assert response.status_code == 200 and response.get_json()["token_type"] == "bearer"
    token = response.get_json()["access_token"]
    assert client.get("/me", headers=bearer(token)).get_json()["username"] == "ada"
    bad = client.post("/auth/token", data={"username": "ada", "password": "nope nope nope"})
    assert bad.status_code == 401 and error_code(bad) == "INVALID_CREDENTIALS"


def test_oauth2_form_is_documented_as_a_form(client):
    body = client.get("/openapi.json").get_json()["paths"]["/auth/token"]["post"]["requestBody"]["content"]
    assert list(body) == ["application/x-www-form-urlencoded"]


def test_me_answers_the_signed_in_user(member_client):
    response = member_client.get("/me")
    assert response.status_code == 200 and response.get_json()["username"] == "reader"


@pytest.mark.parametrize("path", ["/logout", "/auth/logout"])
def test_logout_revokes_the_token_at_once(client, path):
    sign_up(client, "ada")
    token = sign_in(client, "ada")

    assert client.post(path, headers=bearer(token)).status_code == 204

    response = client.get("/me", headers=bearer(token))
    assert response.status_code == 401 and error_code(response) == "TOKEN_REVOKED"
    assert client.get("/me", headers=bearer(sign_in(client, "ada"))).status_code == 200


def test_logout_is_seen_by_every_process_sharing_the_store(app, settings, store):
    # `app` empties the tables first; the two processes are two more apps on the same database.
    if store == "memory":
        pytest.skip("the dict store belongs to one process")
    first, second = create_app(settings).test_client(), create_app(settings).test_client()
    sign_up(first, "ada")
    token = sign_in(first, "ada")
    assert first.post("/logout", headers=bearer(token)).status_code == 204
    assert error_code(second.get("/me", headers=bearer(token))) == "TOKEN_REVOKED"


def test_missing_token_is_401(client):
    response = client.get("/me")
    assert response.status_code == 401 and error_code(response) == "TOKEN_MISSING"


@pytest.mark.parametrize("header", ["Bearer garbage", "Bearer a.b.c", "Bearer", "Bearer x y"])
def test_malformed_token_is_401_invalid(client, header):
    response = client.get("/me", headers={"Authorization": header})
    assert response.status_code == 401 and error_code(response) == "TOKEN_INVALID"


def _claims(app, client) -> dict:
    sign_up(client, "ada")
    token = sign_in(client, "ada")
    return pyjwt.decode(token, app.config["JWT_SECRET_KEY"], algorithms=["HS256"])


def test_alg_none_token_is_401_invalid(app, client):
    forged = pyjwt.encode(_claims(app, client), key=None, algorithm="none")
    response = client.get("/me", headers=bearer(forged))
    assert response.status_code == 401 and error_code(response) == "TOKEN_INVALID"


def test_token_naming_no_user_is_401_invalid(app, client):
    claims = _claims(app, client)
    forged = pyjwt.encode({**claims, "sub": str(int(claims["sub"]) + 1)}, app.config["JWT_SECRET_KEY"],
                          algorithm="HS256")
    response = client.get("/me", headers=bearer(forged))
    assert response.status_code == 401 and error_code(response) == "TOKEN_INVALID"


def test_wrongly_signed_token_is_401_invalid(app, client):
    forged = pyjwt.encode({**_claims(app, client), "sub": "1"}, "another secret of thirty-two bytes!",
                          algorithm="HS256")
    response = client.get("/me", headers=bearer(forged))
    assert response.status_code == 401 and error_code(response) == "TOKEN_INVALID"


def test_expired_token_is_401_expired(app, client):
    user = sign_up(client, "ada")
    with app.app_context():
        expired = create_access_token(identity=str(user["id"]), expires_delta=timedelta(seconds=-1))
    response = client.get("/me", headers=bearer(expired))
    assert response.status_code == 401 and error_code(response) == "TOKEN_EXPIRED"


def test_token_lifetime_takes_fractional_minutes(app, settings):
    client = create_app({**settings, "JWT_ACCESS_TOKEN_MINUTES": 0.5}).test_client()
    sign_up(client, "ada")
    response = client.post("/login", json={"username": "ada", "password": PASSWORD})
    assert response.get_json()["expires_in"] == 30


def test_create_admin_command_makes_an_admin(app):
    make_admin(app, "boss")
    assert client_as(app, "boss").get("/me").get_json()["is_admin"] is True


def test_create_admin_command_prompts_for_the_password(app, store):
    if store == "memory":
        pytest.skip("create-admin refuses the memory store (tests/test_accounts.py)")
    result = app.test_cli_runner().invoke(args=["create-admin", "boss"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert client_as(app, "boss").get("/me").get_json()["is_admin"] is True


def test_create_admin_command_refuses_a_short_password(app, store):
    if store == "memory":
        pytest.skip("create-admin refuses the memory store (tests/test_accounts.py)")
    result = app.test_cli_runner().invoke(args=["create-admin", "boss", "--password", "short"])
    assert result.exit_code != 0 and "password" in result.output


def test_password_hash_is_upgraded_when_the_cost_changes(app, client):
    sign_up(client, "ada")
    stored_hash = lambda: _user_row(app, "ada").password_hash  # noqa: E731
    before = stored_hash()
    # The operator raises the Argon2 cost and restarts: the next login re-hashes with it.
    app.extensions["library.passwords"] = Passwords(time_cost=2, memory_cost=64)

    assert client.post("/login", json={"username": "ada", "password": PASSWORD}).status_code == 200
    assert "t=1" in before and "t=2" in stored_hash()


def test_a_hash_of_the_old_default_cost_becomes_owasps_at_the_next_login(app, client):
    from config import DEFAULTS

    app.extensions["library.passwords"] = Passwords(time_cost=3, memory_cost=65536, parallelism=4)
    sign_up(client, "ada")
    assert "m=65536,t=3,p=4" in _user_row(app, "ada").password_hash
    app.extensions["library.passwords"] = Passwords(time_cost=DEFAULTS["ARGON2_TIME_COST"],
                                                    memory_cost=DEFAULTS["ARGON2_MEMORY_COST"],
                                                    parallelism=DEFAULTS["ARGON2_PARALLELISM"])

    assert client.post("/login", json={"username": "ada", "password": PASSWORD}).status_code == 200
    assert "m=19456,t=2,p=1" in _user_row(app, "ada").password_hash


def _user_row(app, login):
    with app.app_context(), uow() as work:
        return work.users.get_by_login(login)


def test_login_is_rate_limited(app, settings):
    app = create_app({**settings, "RATELIMIT_ENABLED": True, "RATELIMIT_LOGIN": "3 per minute"})
    client = app.test_client()
    answers = [client.post("/login", json={"username": "x", "password": "y"}) for _ in range(4)]
    assert [a.status_code for a in answers] == [401, 401, 401, 429]
    limited = answers[-1]
    assert error_code(limited) == "RATE_LIMITED" and int(limited.headers["Retry-After"]) > 0
    assert client.get("/books").status_code == 200


@pytest.mark.parametrize("store", ["memory"])  # the catalog's store plays no part here
def test_rate_limit_counts_live_in_redis(app, settings, redis_url):
    """With REDIS_URL the counts are in Redis, where every process and machine shares them."""
    import redis

    prefix = f"test-{uuid.uuid4().hex}"  # this test's keys only: other test workers share the Redis
    limited = {**settings, "RATELIMIT_ENABLED": True, "RATELIMIT_LOGIN": "3 per minute", "REDIS_URL": redis_url,
               "RATELIMIT_KEY_PREFIX": prefix}
    client = create_app(limited).test_client()
    attempt = lambda: client.post("/login", json={"username": "x", "password": "y"}).status_code  # noqa: E731

    assert [attempt() for _ in range(4)] == [401, 401, 401, 429]
    store = redis.Redis.from_url(redis_url)
    keys = store.keys(f"*{prefix}*login*")
    assert keys
    store.delete(*keys)
    assert attempt() == 401  # forgetting the counts in Redis lets the client in again
