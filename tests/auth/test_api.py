"""Accounts, logins, tokens and roles through the HTTP API, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import jwt
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from tests.support.problems import Response, assert_problem
from tests.support.signup import confirm_signup

from chamba.auth import security
from chamba.auth.deps import OptionalUser

from .conftest import PASSWORD, Clock, configure

API = "/api/v1"


def register(client: TestClient, *, confirm: bool = True, **fields: Any) -> Response:
    """Sign up; with ``confirm``, also confirm the new account through the real flow (the code
    sent to its address, with the password), as the person would before logging in. Returns
    the sign-up's answer."""
    body = {"email": "rosa@example.pe", "password": PASSWORD, "name": "Rosa Quispe"} | fields
    response = client.post(
        f"{API}/auth/register", json={k: v for k, v in body.items() if v is not None}
    )
    if confirm and response.status_code == 202:
        confirmed = confirm_signup(
            client, email=body["email"], phone=body.get("phone"), password=body["password"]
        )
        assert confirmed is None or confirmed.status_code == 204, confirmed.text
    return response


def registered(client: TestClient, **fields: Any) -> dict[str, Any]:
    """Register (the answer says nothing about the account), log in, and return the account
    as ``GET /auth/me`` shows it."""
    response = register(client, **fields)
    assert response.status_code == 202, response.text
    email = fields.get("email", "rosa@example.pe")
    pair = tokens(client, **({"email": email} if email else {"phone": fields["phone"]}))
    account: dict[str, Any] = me(client, pair["access_token"]).json()
    return account


def login(client: TestClient, **fields: Any) -> Response:
    body = {"password": PASSWORD} | fields
    return client.post(f"{API}/auth/login", json=body)


def tokens(client: TestClient, **fields: Any) -> dict[str, Any]:
    response = login(client, **fields)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def bearer(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}"}


def me(client: TestClient, access_token: str) -> Response:
    return client.get(f"{API}/auth/me", headers=bearer(access_token))


# --- registration -----------------------------------------------------------------------------


def test_a_seeker_registers_and_gets_a_linked_person(
    client: TestClient, auth_engine: Engine
) -> None:
    # WHEN a seeker registers with a mixed-case e-mail
    user = registered(client, email="Rosa.Quispe@Example.PE", role="seeker")
    # THEN the account is created with the e-mail lower-cased
    assert user["role"] == "seeker"
    assert user["email"] == "rosa.quispe@example.pe"
    assert user["name"] == "Rosa Quispe"
    assert "password_hash" not in user
    # AND a person profile is linked to the account
    with auth_engine.connect() as conn:
        linked = conn.execute(
            text("SELECT count(*) FROM people WHERE user_id = :id"), {"id": user["id"]}
        ).scalar_one()
    assert linked == 1


@pytest.mark.parametrize("role", ["employer", "provider"])
def test_employers_and_providers_register_with_their_organisation(
    client: TestClient, auth_engine: Engine, role: str
) -> None:
    # WHEN an employer or provider registers naming its organisation
    user = registered(
        client, role=role, organisation={"name": "Textil Gamarra SAC", "ruc": "20100070970"}
    )
    # THEN an organisation of that kind is created and linked to the account
    assert user["role"] == role
    with auth_engine.connect() as conn:
        kind, ruc = conn.execute(
            text("SELECT kind, ruc FROM organisations WHERE id = :id"),
            {"id": user["organisation_id"]},
        ).one()
    assert (kind, ruc) == (role, "20100070970")


def test_a_seeker_registers_with_a_phone_normalised_to_plus_51(client: TestClient) -> None:
    account = registered(client, email=None, phone="987-654-321")
    assert account["phone"] == "+51 987 654 321"
    assert account["email"] is None


def test_a_landline_is_not_a_login_phone(client: TestClient) -> None:
    response = register(client, email=None, phone="01 234 5678")
    assert_problem(response, 422, "mobile")


def test_registration_needs_an_email_or_a_phone(client: TestClient) -> None:
    response = register(client, email=None)
    assert_problem(response, 422, "e-mail address or a mobile")


@pytest.mark.parametrize("role", ["counselor", "analyst", "admin"])
def test_staff_roles_cannot_self_register(
    client: TestClient, auth_engine: Engine, role: str
) -> None:
    # WHEN someone tries to register a staff role
    response = register(client, role=role)
    # THEN it is refused, saying an administrator must create it
    assert_problem(response, 403, "administrator must create")
    with auth_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM users")).scalar_one() == 0


def test_registering_an_address_in_use_answers_as_for_a_new_one(
    client: TestClient, auth_engine: Engine
) -> None:
    # GIVEN an account with an e-mail and one with a phone (both confirmed)
    first = register(client)
    by_phone = register(client, email=None, phone="987654321")
    before = _outbox_counts(auth_engine)
    # WHEN the same e-mail (other case) or the same phone (other format) registers again
    again_email = register(
        client, confirm=False, email="ROSA@example.pe", password="otra clave segura"
    )
    again_phone = register(client, confirm=False, email=None, phone="+51 987 654 321")
    # THEN every answer is the same as for the new account: nothing tells who is registered
    answers = (first, by_phone, again_email, again_phone)
    assert {a.status_code for a in answers} == {202}
    assert len({a.text for a in answers}) == 1
    assert "id" not in first.json()
    # AND nothing was created or changed, no code was sent; the owners are told
    with auth_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM users")).scalar_one() == 2
    told, codes = (a - b for a, b in zip(_outbox_counts(auth_engine), before, strict=True))
    assert (told, codes) == (2, 0)
    assert login(client, email="rosa@example.pe", password="otra clave segura").status_code == 401


def _outbox_counts(engine: Engine) -> tuple[int, int]:
    """How many ``account.signup_repeated`` and ``account.contact_code_requested`` events."""
    query = text("SELECT count(*) FROM outbox WHERE type = :type")
    with engine.connect() as conn:
        return (
            conn.execute(query, {"type": "account.signup_repeated"}).scalar_one(),
            conn.execute(query, {"type": "account.contact_code_requested"}).scalar_one(),
        )


def test_a_sign_up_gives_one_contact_not_both(client: TestClient) -> None:
    # An e-mail and a phone at once would let a stranger learn whether the other is taken
    # (a code reaches their own address only when both are free).
    response = register(client, phone="987654321")
    assert_problem(response, 422, "not both")


@pytest.mark.parametrize(
    ("password", "words"),
    [
        ("corta", ["too short", "at least 10"]),
        ("98765432101", ["only digits"]),
        ("rosa@example.pe", ["e-mail"]),
        ("password123", ["easy to guess"]),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(
    client: TestClient, password: str, words: list[str]
) -> None:
    assert_problem(register(client, password=password), 422, *words)


# --- login, tokens, logout ----------------------------------------------------------------------


def test_login_by_email_or_by_phone_gives_a_token_pair(client: TestClient) -> None:
    # GIVEN an account with an e-mail and one with a phone
    by_email = registered(client)
    by_phone = registered(client, email=None, phone="987654321")
    # WHEN logging in by e-mail (other case) and by phone (other format)
    for identifier, created in (
        ({"email": "ROSA@example.pe"}, by_email),
        ({"phone": "+51987654321"}, by_phone),
    ):
        pair = tokens(client, **identifier)
        # THEN a bearer pair comes back and the access token identifies the user
        assert pair["token_type"] == "bearer"
        assert pair["expires_in"] == 15 * 60
        assert pair["refresh_token"]
        response = me(client, pair["access_token"])
        assert response.status_code == 200
        assert response.json()["id"] == created["id"]


def test_the_access_token_carries_the_contract_claims(client: TestClient, app: FastAPI) -> None:
    register(client)
    pair = tokens(client, email="rosa@example.pe")
    secret = app.state.settings.derived_key(security.ACCESS_KEY_ID)
    claims = jwt.decode(pair["access_token"], secret, algorithms=["HS256"])
    assert {"sub", "role", "sid", "exp", "iat", "jti"} <= set(claims)
    assert jwt.get_unverified_header(pair["access_token"])["kid"] == security.ACCESS_KEY_ID
    assert claims["role"] == "seeker"
    assert claims["exp"] - claims["iat"] == 15 * 60


def test_wrong_credentials_get_one_generic_401(client: TestClient) -> None:
    register(client)
    wrong_password = login(client, email="rosa@example.pe", password="not the password")
    unknown_account = login(client, email="nadie@example.pe")
    body = assert_problem(wrong_password, 401, "do not match")
    assert assert_problem(unknown_account, 401)["detail"] == body["detail"]
    assert wrong_password.headers["www-authenticate"] == "Bearer"


def test_a_deactivated_account_cannot_log_in(
    client: TestClient, admin_credentials: dict[str, str]
) -> None:
    # GIVEN a seeker deactivated by an admin while logged in
    user = registered(client)
    seeker = tokens(client, email="rosa@example.pe")
    admin = tokens(client, **admin_credentials)
    response = client.patch(
        f"{API}/admin/users/{user['id']}",
        json={"is_active": False},
        headers=bearer(admin["access_token"]),
    )
    assert response.status_code == 200, response.text
    # THEN the seeker's tokens stop working and logging in again is refused
    assert_problem(me(client, seeker["access_token"]), 401)
    refresh = {"refresh_token": seeker["refresh_token"]}
    assert_problem(client.post(f"{API}/auth/refresh", json=refresh), 401)
    assert_problem(login(client, email="rosa@example.pe"), 403, "deactivated")


def test_an_expired_access_token_is_refused(client: TestClient, clock: Clock) -> None:
    # GIVEN a fresh token pair
    register(client)
    pair = tokens(client, email="rosa@example.pe")
    assert me(client, pair["access_token"]).status_code == 200
    # WHEN 16 minutes pass
    clock.advance(minutes=16)
    # THEN the access token is refused with a clear 401, but the refresh token still works
    response = me(client, pair["access_token"])
    assert_problem(response, 401, "expired")
    assert response.headers["www-authenticate"] == "Bearer"
    renewed = client.post(f"{API}/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert renewed.status_code == 200, renewed.text
    assert me(client, renewed.json()["access_token"]).status_code == 200


@pytest.mark.parametrize(
    "header",
    [None, "Bearer not-a-jwt", "Basic cm9zYTpwYXNz"],
)
def test_missing_or_invalid_tokens_are_401(client: TestClient, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = client.get(f"{API}/auth/me", headers=headers)
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_token_signed_with_another_key_is_refused(client: TestClient, app: FastAPI) -> None:
    register(client)
    pair = tokens(client, email="rosa@example.pe")
    claims = jwt.decode(
        pair["access_token"], app.state.settings.derived_key(security.ACCESS_KEY_ID), ["HS256"]
    )
    forged = jwt.encode(claims | {"role": "admin"}, "x" * 40, algorithm="HS256")
    assert_problem(me(client, forged), 401, "not valid")
    # AND neither is one signed with the raw secret key (each use has its own derived key)
    raw = app.state.settings.secret_key.get_secret_value()
    for headers in ({"kid": security.ACCESS_KEY_ID}, None):
        reused = jwt.encode(claims, raw, algorithm="HS256", headers=headers)
        assert_problem(me(client, reused), 401, "not valid")


def test_refresh_rotates_and_reuse_revokes_the_whole_login(
    client: TestClient, clock: Clock
) -> None:
    # GIVEN a login whose refresh token was exchanged once
    register(client)
    first = tokens(client, email="rosa@example.pe")
    second = client.post(f"{API}/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200, second.text
    pair = second.json()
    assert pair["refresh_token"] != first["refresh_token"]
    assert pair["access_token"] != first["access_token"]
    # WHEN, a minute later, the first refresh token is presented again (a stolen copy)
    clock.advance(minutes=1)
    reused = client.post(f"{API}/auth/refresh", json={"refresh_token": first["refresh_token"]})
    # THEN it is refused and every token of that login stops working
    assert_problem(reused, 401, "already used")
    assert_problem(
        client.post(f"{API}/auth/refresh", json={"refresh_token": pair["refresh_token"]}), 401
    )
    assert_problem(me(client, pair["access_token"]), 401, "ended")
    assert_problem(me(client, first["access_token"]), 401)
    # AND logging in again works
    assert me(client, tokens(client, email="rosa@example.pe")["access_token"]).status_code == 200


def test_a_retry_after_a_lost_reply_is_not_taken_for_theft(
    client: TestClient, clock: Clock
) -> None:
    # GIVEN a refresh whose reply never reached the phone
    register(client)
    first = tokens(client, email="rosa@example.pe")
    lost = client.post(f"{API}/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert lost.status_code == 200
    # WHEN the phone retries a few seconds later with the same refresh token
    clock.advance(seconds=5)
    retry = client.post(f"{API}/auth/refresh", json={"refresh_token": first["refresh_token"]})
    # THEN it gets a working pair, and the lost reply's refresh token is withdrawn
    assert retry.status_code == 200, retry.text
    assert me(client, retry.json()["access_token"]).status_code == 200
    withdrawn = client.post(
        f"{API}/auth/refresh", json={"refresh_token": lost.json()["refresh_token"]}
    )
    assert_problem(withdrawn, 401, "already used")


def test_an_unknown_refresh_token_is_401(client: TestClient) -> None:
    response = client.post(f"{API}/auth/refresh", json={"refresh_token": "made-up"})
    assert_problem(response, 401, "log in again")


def test_logout_revokes_access_and_refresh_tokens_at_once(client: TestClient) -> None:
    # GIVEN two logins of the same user (phone and computer)
    register(client)
    phone = tokens(client, email="rosa@example.pe")
    computer = tokens(client, email="rosa@example.pe")
    # WHEN the phone logs out, also handing over the computer's refresh token
    response = client.post(
        f"{API}/auth/logout",
        json={"refresh_token": computer["refresh_token"]},
        headers=bearer(phone["access_token"]),
    )
    assert response.status_code == 204
    # THEN the still unexpired access tokens and the refresh tokens of both stop working
    for pair in (phone, computer):
        assert_problem(me(client, pair["access_token"]), 401, "ended")
        refreshed = client.post(
            f"{API}/auth/refresh", json={"refresh_token": pair["refresh_token"]}
        )
        assert_problem(refreshed, 401)


def test_logout_without_a_body_ends_only_the_current_login(client: TestClient) -> None:
    register(client)
    phone = tokens(client, email="rosa@example.pe")
    computer = tokens(client, email="rosa@example.pe")
    assert (
        client.post(f"{API}/auth/logout", headers=bearer(phone["access_token"])).status_code == 204
    )
    assert_problem(me(client, phone["access_token"]), 401)
    assert me(client, computer["access_token"]).status_code == 200


def test_logout_needs_a_token(client: TestClient) -> None:
    assert_problem(client.post(f"{API}/auth/logout"), 401)


# --- administration ---------------------------------------------------------------------------


def test_an_admin_creates_staff_accounts(
    client: TestClient, admin_credentials: dict[str, str]
) -> None:
    admin = tokens(client, **admin_credentials)
    for role in ("counselor", "analyst", "admin", "seeker"):
        response = client.post(
            f"{API}/admin/users",
            json={
                "email": f"{role}.staff@chamba.pe",
                "password": PASSWORD,
                "role": role,
                "name": role,
            },
            headers=bearer(admin["access_token"]),
        )
        assert response.status_code == 201, response.text
        assert response.json()["role"] == role
    counselor = tokens(client, email="counselor.staff@chamba.pe")
    assert me(client, counselor["access_token"]).json()["role"] == "counselor"


def test_admins_list_users_by_page_and_change_roles(
    client: TestClient, admin_credentials: dict[str, str]
) -> None:
    # GIVEN an admin and three seekers
    admin = bearer(tokens(client, **admin_credentials)["access_token"])
    for n in range(3):
        register(client, email=f"s{n}@example.pe")
    # WHEN listing two per page
    page = client.get(f"{API}/admin/users", params={"page": 2, "per_page": 2}, headers=admin)
    # THEN the second page holds the rest and the total counts everyone
    assert page.status_code == 200, page.text
    body = page.json()
    assert (body["total"], body["page"], body["per_page"], len(body["items"])) == (4, 2, 2, 2)
    seekers = client.get(f"{API}/admin/users", params={"role": "seeker"}, headers=admin).json()
    assert seekers["total"] == 3
    # AND a role can be changed
    target = seekers["items"][0]["id"]
    changed = client.patch(f"{API}/admin/users/{target}", json={"role": "counselor"}, headers=admin)
    assert changed.json()["role"] == "counselor"
    assert_problem(client.patch(f"{API}/admin/users/999999", json={}, headers=admin), 404)


def test_an_admin_cannot_lock_themselves_out(
    client: TestClient, admin_credentials: dict[str, str]
) -> None:
    pair = tokens(client, **admin_credentials)
    own_id = me(client, pair["access_token"]).json()["id"]
    response = client.patch(
        f"{API}/admin/users/{own_id}",
        json={"is_active": False},
        headers=bearer(pair["access_token"]),
    )
    assert_problem(response, 409, "another admin")


@pytest.mark.parametrize("role", ["seeker", "employer", "provider"])
def test_other_roles_get_403_on_admin_routes(client: TestClient, role: str) -> None:
    register(client, role=role)
    headers = bearer(tokens(client, email="rosa@example.pe")["access_token"])
    new_user = {"email": "x@chamba.pe", "password": PASSWORD, "role": "admin", "name": "X"}
    for response in (
        client.get(f"{API}/admin/users", headers=headers),
        client.post(f"{API}/admin/users", json=new_user, headers=headers),
        client.patch(f"{API}/admin/users/1", json={"role": "admin"}, headers=headers),
    ):
        assert_problem(response, 403, "admin")
    assert_problem(client.get(f"{API}/admin/users"), 401)


def test_optional_user_is_none_without_a_token(client: TestClient, app: FastAPI) -> None:
    # GIVEN a route that serves guests and users alike
    probe = FastAPI()
    probe.state = app.state

    @probe.get("/probe")
    def who(user: OptionalUser) -> dict[str, str | None]:
        return {"role": user.role.value if user else None}

    from chamba.problems import install_problem_handlers

    install_problem_handlers(probe)
    guest = TestClient(probe)
    register(client)
    pair = tokens(client, email="rosa@example.pe")
    # THEN a guest is None, a user is the user, and a bad token is still refused
    assert guest.get("/probe").json() == {"role": None}
    assert guest.get("/probe", headers=bearer(pair["access_token"])).json() == {"role": "seeker"}
    assert_problem(guest.get("/probe", headers=bearer("nonsense")), 401)


# --- rate limits --------------------------------------------------------------------------------


def test_failed_logins_per_account_are_delayed_progressively_not_locked(
    client: TestClient, app: FastAPI, clock: Clock
) -> None:
    # GIVEN 3 free failed logins per account, then a delay of 30 s doubling with each failure
    configure(app, login_failures_per_account=3)
    register(client)
    for _ in range(3):
        assert_problem(login(client, email="rosa@example.pe", password="wrong guess!"), 401)
    # WHEN anyone tries at once, even with the right password, from an unknown device
    blocked = login(client, email="ROSA@example.pe")
    # THEN they are told to wait 30 seconds (not locked out for the window)
    assert_problem(blocked, 429, "wait 1 minute")
    assert blocked.headers["retry-after"] == "30"
    # AND each further failure doubles the wait
    clock.advance(seconds=30)
    assert_problem(login(client, email="rosa@example.pe", password="wrong again!"), 401)
    assert login(client, email="rosa@example.pe").headers["retry-after"] == "60"
    # AND after the wait the right password works
    clock.advance(seconds=60)
    assert login(client, email="rosa@example.pe").status_code == 200


def test_a_known_device_gets_in_while_the_account_is_delayed(
    client: TestClient, app: FastAPI, clock: Clock
) -> None:
    # GIVEN the owner logged in once from their phone
    configure(app, login_failures_per_account=3)
    register(client)
    phone = {"User-Agent": "Chamba-Android/1.0"}
    assert client.post(f"{API}/auth/login", json={"email": "rosa@example.pe",
                       "password": PASSWORD}, headers=phone).status_code == 200  # fmt: skip
    # WHEN someone else guesses the password until the account is delayed
    for _ in range(6):
        login(client, email="rosa@example.pe", password="wrong guess!")
        clock.advance(seconds=1)
    assert_problem(login(client, email="rosa@example.pe"), 429)
    # THEN the owner's phone still gets in with the right password
    owner = client.post(
        f"{API}/auth/login", json={"email": "rosa@example.pe", "password": PASSWORD}, headers=phone
    )
    assert owner.status_code == 200, owner.text
    # AND a wrong password from that phone is still only a failure
    guess = client.post(
        f"{API}/auth/login", json={"email": "rosa@example.pe", "password": "nope nope"},
        headers=phone,
    )  # fmt: skip
    assert_problem(guess, 401)


def test_a_successful_login_resets_the_account_failures(client: TestClient, app: FastAPI) -> None:
    configure(app, login_failures_per_account=3)
    register(client)
    for _ in range(2):
        login(client, email="rosa@example.pe", password="wrong guess!")
    assert login(client, email="rosa@example.pe").status_code == 200
    for _ in range(2):
        assert_problem(login(client, email="rosa@example.pe", password="wrong guess!"), 401)


def test_failed_logins_per_address_get_429(client: TestClient, app: FastAPI) -> None:
    # GIVEN a limit of 4 failures per address, spread over different accounts
    configure(app, login_failures_per_address=4)
    register(client)
    for n in range(4):
        assert_problem(login(client, email=f"guess{n}@example.pe"), 401)
    # THEN this address is refused, even for a real account
    blocked = login(client, email="rosa@example.pe")
    assert_problem(blocked, 429, "your network", "minutes")
    assert int(blocked.headers["retry-after"]) > 0


def test_registrations_per_address_get_429(client: TestClient, app: FastAPI) -> None:
    configure(app, registrations_per_address=2)
    assert register(client, email="a@example.pe").status_code == 202
    assert register(client, email="a@example.pe").status_code == 202  # in use: counts too
    blocked = register(client, email="b@example.pe")
    assert_problem(blocked, 429, "sign-ups", "wait 60 minutes")
    assert blocked.headers["retry-after"] == str(60 * 60)


# --- storage ------------------------------------------------------------------------------------


def test_secrets_and_identifiers_are_not_stored_in_plaintext(
    client: TestClient, app: FastAPI, auth_engine: Engine
) -> None:
    # GIVEN an account with an e-mail, one with a phone, a login, and a failed login
    register(client)
    register(client, email=None, phone="987654321")
    pair = tokens(client, email="rosa@example.pe")
    login(client, email="rosa@example.pe", password="wrong guess!")
    # WHEN the raw rows are read
    with auth_engine.connect() as conn:
        user, other = conn.execute(
            text("SELECT email, phone, name, password_hash FROM users ORDER BY id")
        ).all()
        hashes = conn.execute(text("SELECT token_hash FROM refresh_tokens")).scalars().all()
        keys = conn.execute(text("SELECT key FROM auth_attempts")).scalars().all()
        ips = conn.execute(text("SELECT ip FROM auth_sessions")).scalars().all()
    # THEN passwords are argon2id hashes and nothing holds the plaintext
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert "rosa" not in user.email
    assert "987" not in other.phone
    assert "Rosa" not in user.name
    assert pair["refresh_token"] not in hashes
    assert hashes[0] == security.token_hash(pair["refresh_token"])
    assert keys
    assert all("rosa" not in key and "testclient" not in key for key in keys)
    assert all(ip and "testclient" not in ip for ip in ips)


def test_a_password_is_rehashed_when_the_cost_changes(
    client: TestClient, app: FastAPI, auth_engine: Engine
) -> None:
    register(client)
    configure(app, password_hash_memory_kib=2048)
    assert login(client, email="rosa@example.pe").status_code == 200
    with auth_engine.connect() as conn:
        stored = conn.execute(text("SELECT password_hash FROM users")).scalar_one()
    assert "$m=2048," in stored


def test_expected_errors_are_declared_in_openapi(client: TestClient) -> None:
    spec = client.get(f"{API}/openapi.json").json()
    login_responses = spec["paths"][f"{API}/auth/login"]["post"]["responses"]
    assert {"401", "429"} <= set(login_responses)
    assert "application/problem+json" in login_responses["429"]["content"]
    assert "403" in spec["paths"][f"{API}/auth/register"]["post"]["responses"]
