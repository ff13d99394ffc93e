"""Accounts that cannot be confused: tokens name a user by a stamp, ids never come back, PATCH /me, the
admin made at start-up, and the secrets a development server signs with."""
from __future__ import annotations

import os
import stat

import pytest
import sqlalchemy

from config import DEV_SECRET_FILE, load_settings
from library_api import create_app
from library_api.extensions import db
from tests.conftest import PASSWORD, sign_in, sign_up

NEW_PASSWORD = "a brand new passphrase"


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def error_code(response) -> str:
    return response.get_json()["error"]["code"]


def test_a_restarted_memory_store_never_hands_an_old_token_to_a_new_user(settings, store):
    if store != "memory":
        pytest.skip("the SQL store keeps its users over a restart")
    before = create_app(settings).test_client()
    sign_up(before, "alice")
    alice_token = sign_in(before, "alice")

    after = create_app(settings).test_client()  # the same secret, a new (empty) library
    assert sign_up(after, "bob")["id"] == 1  # bob now has the id alice's token was issued for
    response = after.get("/me", headers=bearer(alice_token))

    assert response.status_code == 401 and error_code(response) == "TOKEN_INVALID"


def test_a_deleted_users_id_is_never_reused_nor_their_token_honoured(app, client, store):
    if store == "memory":
        pytest.skip("no route deletes a user; the SQL tables are changed directly here")
    carol = sign_up(client, "carol")
    token = sign_in(client, "carol")
    with app.app_context():
        db.session.execute(sqlalchemy.text("DELETE FROM users WHERE id = :id"), {"id": carol["id"]})
        db.session.commit()

    dave = sign_up(client, "dave")

    assert dave["id"] > carol["id"]
    response = client.get("/me", headers=bearer(token))
    assert response.status_code == 401 and error_code(response) == "TOKEN_INVALID"


@pytest.mark.parametrize("path, kwargs", [
    ("/login", {"json": {"username": "ada", "password": PASSWORD}}),
    ("/auth/token", {"data": {"username": "ada", "password": PASSWORD}}),
])
def test_token_answers_are_never_cached(client, path, kwargs):
    sign_up(client, "ada")
    response = client.post(path, **kwargs)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"


def test_patch_me_changes_the_name_without_a_password(client):
    sign_up(client, "ada", email="ada@example.org")
    token = sign_in(client, "ada")
    response = client.patch("/me", json={"name": "Ada King"}, headers=bearer(token))
    assert response.status_code == 200 and response.get_json()["name"] == "Ada King"
    assert client.get("/me", headers=bearer(token)).get_json()["name"] == "Ada King"


@pytest.mark.parametrize("change", [{"email": "ada@example.net"}, {"password": NEW_PASSWORD}])
def test_patch_me_needs_the_current_password_for_email_and_password(client, change):
    sign_up(client, "ada", email="ada@example.org")
    token = sign_in(client, "ada")

    missing = client.patch("/me", json=change, headers=bearer(token))
    wrong = client.patch("/me", json={**change, "current_password": "not the password"}, headers=bearer(token))

    assert missing.status_code == 422 and "current_password" in missing.get_json()["error"]["details"]
    assert wrong.status_code == 401 and error_code(wrong) == "INVALID_CREDENTIALS"
    assert client.get("/me", headers=bearer(token)).get_json()["email"] == "ada@example.org"
    assert client.post("/login", json={"username": "ada", "password": PASSWORD}).status_code == 200


def test_patch_me_email_is_unique_whatever_its_case(client):
    sign_up(client, "ada", email="ada@example.org")
    sign_up(client, "bob", email="bob@example.org")
    token = sign_in(client, "ada")
    response = client.patch("/me", json={"email": "BOB@example.org", "current_password": PASSWORD},
                            headers=bearer(token))
    assert response.status_code == 409 and error_code(response) == "EMAIL_TAKEN"


def test_a_new_password_revokes_every_other_token(client):
    sign_up(client, "ada")
    laptop, phone = sign_in(client, "ada"), sign_in(client, "ada")

    response = client.patch("/me", json={"password": NEW_PASSWORD, "current_password": PASSWORD},
                            headers=bearer(laptop))

    assert response.status_code == 200
    assert client.get("/me", headers=bearer(laptop)).status_code == 200  # the token that changed it
    stale = client.get("/me", headers=bearer(phone))
    assert stale.status_code == 401 and error_code(stale) == "TOKEN_INVALID"
    assert client.post("/login", json={"username": "ada", "password": PASSWORD}).status_code == 401
    assert client.get("/me", headers=bearer(sign_in(client, "ada", NEW_PASSWORD))).status_code == 200


def test_patch_me_refuses_what_is_not_the_callers_to_change(client):
    sign_up(client, "ada")
    token = sign_in(client, "ada")
    for body in ({"is_admin": True}, {"username": "root"}, {"id": 99}):
        response = client.patch("/me", json=body, headers=bearer(token))
        assert response.status_code == 422, body
    assert client.get("/me", headers=bearer(token)).get_json()["is_admin"] is False


def test_admin_from_settings_is_made_at_start_and_never_overwritten(settings, store):
    if store == "memory":
        first = create_app({**settings, "ADMIN_USERNAME": "boss", "ADMIN_PASSWORD": PASSWORD}).test_client()
        assert first.get("/me", headers=bearer(sign_in(first, "boss"))).get_json()["is_admin"] is True
        return
    create_app({**settings, "ADMIN_USERNAME": "boss", "ADMIN_PASSWORD": PASSWORD})
    again = create_app({**settings, "ADMIN_USERNAME": "boss", "ADMIN_PASSWORD": NEW_PASSWORD}).test_client()

    assert again.get("/me", headers=bearer(sign_in(again, "boss"))).get_json()["is_admin"] is True
    assert again.post("/login", json={"username": "boss", "password": NEW_PASSWORD}).status_code == 401


@pytest.fixture
def sql_app(app, store):
    if store == "memory":
        pytest.skip("about the SQL store")
    return app


def test_create_admin_refuses_the_memory_store_in_one_line(settings):
    app = create_app({**settings, "LIBRARY_STORE": "memory"})
    result = app.test_cli_runner().invoke(args=["create-admin", "boss", "--password", PASSWORD])
    assert result.exit_code != 0
    assert "ADMIN_USERNAME" in result.output and len(result.output.strip().splitlines()) == 1


def test_development_signs_with_a_random_secret_kept_in_the_instance_folder(tmp_path):
    settings = load_settings(environ={"LIBRARY_ENV": "development"}, instance_path=str(tmp_path))
    again = load_settings(environ={"LIBRARY_ENV": "development"}, instance_path=str(tmp_path))
    elsewhere = load_settings(environ={"LIBRARY_ENV": "development"}, instance_path=str(tmp_path / "other"))

    secret_file = tmp_path / DEV_SECRET_FILE
    assert settings["JWT_SECRET_KEY"] == secret_file.read_text().strip() == again["JWT_SECRET_KEY"]
    assert len(settings["JWT_SECRET_KEY"]) >= 32 and elsewhere["JWT_SECRET_KEY"] != settings["JWT_SECRET_KEY"]
    assert stat.S_IMODE(os.stat(secret_file).st_mode) == 0o600


def test_commands_need_no_secret_but_serving_does(tmp_path):
    production = {"LIBRARY_ENV": "production"}
    assert load_settings(environ=production, overrides={"SERVING": False}, instance_path=str(tmp_path))
    from config import ConfigError
    with pytest.raises(ConfigError, match="JWT_SECRET_KEY"):
        load_settings(environ=production, instance_path=str(tmp_path))
