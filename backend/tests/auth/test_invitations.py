"""Invitations: nobody joins a workspace without accepting themselves, no workspace can claim
another's account, and adding an email says nothing about the person behind it."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update

from app.auth.models import Invitation
from tests.auth.conftest import INVITATIONS, bearer, invite, join_workspace, login
from tests.conftest import OWNER_A, OWNER_B, make_client

MEMBERS = "/api/v1/workspace/members"
ACCEPT_NEW = "/api/v1/auth/accept-invite"
LOOKUP = "/api/v1/auth/invitations/lookup"
ACCEPT = "/api/v1/auth/invitations/accept"
DECLINE = "/api/v1/auth/invitations/decline"


async def _sign_in(
    app: FastAPI, email: str, password: str, workspace_id: object | None = None
) -> httpx.Response:
    body: dict[str, Any] = {"email": email, "password": password}
    if workspace_id is not None:
        body["workspace_id"] = str(workspace_id)
    async with make_client(app) as anon:
        return await anon.post("/api/v1/auth/login", json=body)


async def _accept_new(
    anon: httpx.AsyncClient, token: str, password: str = "my-own-password", name: str = "Me"
) -> httpx.Response:
    return await anon.post(
        ACCEPT_NEW, json={"invite_token": token, "password": password, "name": name}
    )


async def _member_emails(client: httpx.AsyncClient) -> set[str]:
    return {m["email"] for m in (await client.get(MEMBERS)).json()["items"]}


async def _expire(app: FastAPI, invitation_id: str) -> None:
    async with app.state.sessionmaker() as session:
        await session.execute(
            update(Invitation)
            .where(Invitation.id == uuid.UUID(invitation_id))
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
        await session.commit()


# --- the attack of issue 11 --------------------------------------------------------------------


async def test_workspace_b_cannot_claim_an_account_for_workspace_a(
    app: FastAPI,
    client: httpx.AsyncClient,
    other_client: httpx.AsyncClient,
    anon_client: httpx.AsyncClient,
) -> None:
    victim = "x@a.example"
    # B's admin invites the address and accepts the link itself, with a password B chose.
    b_session = await join_workspace(
        app, other_client, victim, password="chosen-by-b", name="Made by B"
    )
    assert b_session["workspace"]["id"] == str(OWNER_B.workspace_id)

    # A's admin later adds the same address: a pending invitation, nothing else.
    a_invitation = await invite(client, victim, role="admin")
    assert a_invitation["status"] == "pending"
    assert "Made by B" not in str(a_invitation)
    assert victim not in await _member_emails(client)

    # B's password does not open workspace A, neither by login nor by refreshing into it.
    denied = await _sign_in(app, victim, "chosen-by-b", OWNER_A.workspace_id)
    assert denied.status_code == 401
    default = await _sign_in(app, victim, "chosen-by-b")
    assert default.json()["workspace"]["id"] == str(OWNER_B.workspace_id)

    # Signed in with B's password, the account still cannot join A without A's own link.
    as_victim = bearer(b_session["access_token"])
    guessed = await anon_client.post(ACCEPT, json={"token": "guess"}, headers=as_victim)
    assert guessed.status_code == 404
    assert guessed.json()["error"]["code"] == "not_found:invitation"

    # Whoever holds A's link cannot set a password on the existing account either.
    overwrite = await _accept_new(anon_client, a_invitation["token"], password="a-new-pass")
    assert overwrite.status_code == 409
    assert overwrite.json()["error"]["code"] == "conflict:account_exists"
    assert (await _sign_in(app, victim, "a-new-pass")).status_code == 401
    assert (await _sign_in(app, victim, "chosen-by-b", OWNER_A.workspace_id)).status_code == 401
    assert victim not in await _member_emails(client)
    # ... and the invitation is still there for the account to accept while signed in.
    pending = (await client.get(INVITATIONS)).json()["items"]
    assert [p["email"] for p in pending] == [victim]


# --- nothing revealed ---------------------------------------------------------------------------


async def test_inviting_reveals_nothing_about_an_existing_account(
    client: httpx.AsyncClient, anon_client: httpx.AsyncClient
) -> None:
    existing = await client.post(INVITATIONS, json={"email": OWNER_B.email})
    fresh = await client.post(INVITATIONS, json={"email": "nobody-yet@example.com"})
    assert existing.status_code == fresh.status_code == 201
    a, b = existing.json(), fresh.json()
    assert a.keys() == b.keys()
    different = {"id", "email", "token", "created_at", "expires_at"}
    assert {k: v for k, v in a.items() if k not in different} == {
        k: v for k, v in b.items() if k not in different
    }
    assert OWNER_B.name not in existing.text and OWNER_B.name not in str(
        (await client.get(INVITATIONS)).json()
    )
    # The link's preview says the same things for both, and nothing about the account.
    previews = [(await anon_client.post(LOOKUP, json={"token": x["token"]})).json() for x in (a, b)]
    assert previews[0].keys() == previews[1].keys() == {"workspace", "email", "role", "expires_at"}
    assert previews[0]["workspace"] == {"id": str(OWNER_A.workspace_id), "name": "Workspace A"}


# --- a new person ----------------------------------------------------------------------------


async def test_a_new_person_accepts_with_their_own_password(
    app: FastAPI, client: httpx.AsyncClient, anon_client: httpx.AsyncClient
) -> None:
    invitation = await invite(client, "bob@example.com", role="admin")
    token = invitation["token"]
    assert invitation["invited_by"] == OWNER_A.name
    assert "bob@example.com" not in await _member_emails(client)
    assert (await _sign_in(app, "bob@example.com", "anything-at-all")).status_code == 401

    preview = await anon_client.post(LOOKUP, json={"token": token})
    assert preview.status_code == 200
    assert preview.json()["email"] == "bob@example.com" and preview.json()["role"] == "admin"

    accepted = await _accept_new(anon_client, token, password="bobs-password", name="Bob B.")
    assert accepted.status_code == 200, accepted.text
    session = accepted.json()
    assert session["workspace"]["id"] == str(OWNER_A.workspace_id)
    assert session["role"] == "admin" and session["user"]["name"] == "Bob B."
    assert "ab_access" in accepted.cookies

    members = {m["email"]: m for m in (await client.get(MEMBERS)).json()["items"]}
    assert members["bob@example.com"]["role"] == "admin"
    assert (await client.get(INVITATIONS)).json()["items"] == []
    assert (await _sign_in(app, "bob@example.com", "bobs-password")).status_code == 200

    # Single use: the link is spent, whoever tries it next.
    again = await _accept_new(anon_client, token, password="eves-password", name="Eve")
    assert again.status_code == 410
    assert again.json()["error"]["code"] == "invitation_used"
    assert (await anon_client.post(LOOKUP, json={"token": token})).status_code == 410
    assert (await _sign_in(app, "bob@example.com", "eves-password")).status_code == 401


async def test_tokens_are_stored_hashed_and_expire_after_the_setting(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    invitation = await invite(client, "hash@example.com")
    async with app.state.sessionmaker() as session:
        row = await session.scalar(select(Invitation).where(Invitation.email == "hash@example.com"))
    assert row is not None
    assert invitation["token"] not in (row.token_hash, str(row.id))
    assert len(row.token_hash) == 64
    lifetime = row.expires_at - row.created_at
    hours = app.state.settings.invitation_ttl_hours
    assert timedelta(hours=hours) - timedelta(minutes=1) < lifetime <= timedelta(hours=hours)


# --- an existing account -----------------------------------------------------------------------


async def test_an_existing_account_accepts_while_signed_in_and_keeps_its_workspace(
    app: FastAPI, client: httpx.AsyncClient, anon_client: httpx.AsyncClient
) -> None:
    invitation = await invite(client, OWNER_B.email, role="admin")
    b = await login(anon_client, OWNER_B)
    assert b["workspace"]["id"] == str(OWNER_B.workspace_id)

    # Anonymous acceptance is refused; the new-account path is refused for an existing email.
    async with make_client(app) as nobody:
        assert (await nobody.post(ACCEPT, json={"token": invitation["token"]})).status_code == 401
        assert (await _accept_new(nobody, invitation["token"])).status_code == 409

    accepted = await anon_client.post(
        ACCEPT, json={"token": invitation["token"]}, headers=bearer(b["access_token"])
    )
    assert accepted.status_code == 200, accepted.text
    session = accepted.json()
    assert session["workspace"]["id"] == str(OWNER_A.workspace_id)
    assert session["role"] == "admin" and session["user"]["id"] == str(OWNER_B.user_id)
    assert OWNER_B.email in await _member_emails(client)

    # Both workspaces stay reachable: the old token still acts in B, signing in picks either.
    me_b = await anon_client.get("/api/v1/auth/me", headers=bearer(b["access_token"]))
    assert me_b.json()["workspace"]["id"] == str(OWNER_B.workspace_id)
    me_a = await anon_client.get("/api/v1/auth/me", headers=bearer(session["access_token"]))
    assert me_a.json()["workspace"]["id"] == str(OWNER_A.workspace_id)
    default = await _sign_in(app, OWNER_B.email, OWNER_B.password)
    assert default.json()["workspace"]["id"] == str(OWNER_B.workspace_id)
    into_a = await _sign_in(app, OWNER_B.email, OWNER_B.password, OWNER_A.workspace_id)
    assert into_a.json()["role"] == "admin"

    # One login: signing out ends the session in both workspaces.
    out = await anon_client.post("/api/v1/auth/logout", headers=bearer(session["access_token"]))
    assert out.status_code == 204
    assert (
        await anon_client.get("/api/v1/auth/me", headers=bearer(b["access_token"]))
    ).status_code == 401


async def test_the_wrong_account_cannot_accept(
    app: FastAPI, client: httpx.AsyncClient, anon_client: httpx.AsyncClient
) -> None:
    invitation = await invite(client, "someone-else@example.com")
    b = await login(anon_client, OWNER_B)
    refused = await anon_client.post(
        ACCEPT, json={"token": invitation["token"]}, headers=bearer(b["access_token"])
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden:invitation_account"
    assert "someone-else@example.com" in refused.json()["error"]["message"]
    assert OWNER_B.email not in await _member_emails(client)
    # The invitation is untouched and still works for its own person.
    assert (await _accept_new(anon_client, invitation["token"])).status_code == 200


async def test_an_api_key_cannot_accept_for_its_creator(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient
) -> None:
    invitation = await invite(client, OWNER_B.email)
    refused = await other_client.post(ACCEPT, json={"token": invitation["token"]})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden:session_required"
    assert OWNER_B.email not in await _member_emails(client)


# --- the invitation's life: expire, re-send, revoke, decline -----------------------------------


async def test_an_expired_invitation_is_refused_until_re_sent(
    app: FastAPI, client: httpx.AsyncClient, anon_client: httpx.AsyncClient
) -> None:
    invitation = await invite(client, "late@example.com")
    await _expire(app, invitation["id"])
    for response in (
        await anon_client.post(LOOKUP, json={"token": invitation["token"]}),
        await _accept_new(anon_client, invitation["token"]),
    ):
        assert response.status_code == 410
        assert response.json()["error"]["code"] == "invitation_expired"
    listed = (await client.get(INVITATIONS)).json()["items"]
    assert [(i["id"], i["status"]) for i in listed] == [(invitation["id"], "expired")]

    resent = await client.post(f"{INVITATIONS}/{invitation['id']}/resend")
    assert resent.status_code == 200
    fresh = resent.json()
    assert fresh["id"] == invitation["id"] and fresh["status"] == "pending"
    assert fresh["token"] != invitation["token"]
    old = await _accept_new(anon_client, invitation["token"])
    assert old.status_code == 404  # the old link is gone for good
    assert (await _accept_new(anon_client, fresh["token"])).status_code == 200


async def test_inviting_again_after_expiry_replaces_the_old_invitation(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    first = await invite(client, "again@example.com")
    duplicate = await client.post(INVITATIONS, json={"email": "again@example.com"})
    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["code"] == "conflict:invitation_pending"
    assert duplicate.json()["error"]["details"] == {"invitation_id": first["id"]}
    await _expire(app, first["id"])
    second = await invite(client, "again@example.com")
    listed = (await client.get(INVITATIONS)).json()["items"]
    assert [i["id"] for i in listed] == [second["id"]]


async def test_a_revoked_invitation_is_refused(
    client: httpx.AsyncClient, anon_client: httpx.AsyncClient
) -> None:
    invitation = await invite(client, "revoked@example.com")
    assert (await client.delete(f"{INVITATIONS}/{invitation['id']}")).status_code == 204
    refused = await _accept_new(anon_client, invitation["token"])
    assert refused.status_code == 410
    assert refused.json()["error"]["code"] == "invitation_revoked"
    assert (await client.get(INVITATIONS)).json()["items"] == []
    again = await client.delete(f"{INVITATIONS}/{invitation['id']}")
    assert again.status_code == 404
    assert again.json()["error"]["code"] == "not_found:invitation"
    assert (await client.post(f"{INVITATIONS}/{invitation['id']}/resend")).status_code == 404
    assert "revoked@example.com" not in await _member_emails(client)


async def test_a_declined_invitation_cannot_be_accepted(
    client: httpx.AsyncClient, anon_client: httpx.AsyncClient
) -> None:
    invitation = await invite(client, "no-thanks@example.com")
    assert (await anon_client.post(DECLINE, json={"token": invitation["token"]})).status_code == 204
    refused = await _accept_new(anon_client, invitation["token"])
    assert refused.status_code == 410
    assert refused.json()["error"]["code"] == "invitation_declined"
    assert (await client.get(INVITATIONS)).json()["items"] == []
    assert (await anon_client.post(DECLINE, json={"token": "nope"})).status_code == 404


async def test_unknown_tokens_and_bad_input(
    client: httpx.AsyncClient, anon_client: httpx.AsyncClient
) -> None:
    unknown = await _accept_new(anon_client, "not-a-token")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "not_found:invitation"
    short = await anon_client.post(
        ACCEPT_NEW, json={"invite_token": "x", "password": "short", "name": "x"}
    )
    assert short.status_code == 422
    assert "short" not in short.json()["error"]["message"]
    assert (await client.post(INVITATIONS, json={"email": "not an email"})).status_code == 422
    bad_role = await client.post(INVITATIONS, json={"email": "a@example.com", "role": "superuser"})
    assert bad_role.status_code == 422
    # The old way of adding someone (with an admin-chosen password) no longer exists.
    old = await client.post(
        MEMBERS, json={"email": "a@example.com", "name": "a", "password": "p" * 10}
    )
    assert old.status_code == 405
    assert (await client.get(INVITATIONS)).json()["items"] == []


# --- roles -------------------------------------------------------------------------------------


async def test_roles_decide_who_invites_whom(app: FastAPI, client: httpx.AsyncClient) -> None:
    owner_invitation = await invite(client, "future-owner@example.com", role="owner")
    admin = await join_workspace(app, client, "adm@example.com", role="admin")
    member = await join_workspace(app, client, "mem@example.com", role="member")
    async with make_client(app, admin["access_token"]) as as_admin:
        to_owner = await as_admin.post(
            INVITATIONS, json={"email": "o@example.com", "role": "owner"}
        )
        assert to_owner.status_code == 403
        assert (await invite(as_admin, "by-admin@example.com", "admin"))["invited_by"]
        resend = await as_admin.post(f"{INVITATIONS}/{owner_invitation['id']}/resend")
        assert resend.status_code == 403
        revoke = await as_admin.delete(f"{INVITATIONS}/{owner_invitation['id']}")
        assert revoke.status_code == 403
    async with make_client(app, member["access_token"]) as as_member:
        assert (await as_member.get(INVITATIONS)).status_code == 403
        listed = await as_member.post(f"{INVITATIONS}/{owner_invitation['id']}/resend")
        assert listed.status_code == 403
    conflict = await client.post(INVITATIONS, json={"email": "mem@example.com"})
    assert conflict.status_code == 409
    assert conflict.json()["error"]["code"] == "conflict:member"


async def test_the_api_document_lists_what_an_invitee_can_be_answered(
    anon_client: httpx.AsyncClient,
) -> None:
    paths = (await anon_client.get("/openapi.json")).json()["paths"]
    for path in (LOOKUP, ACCEPT, DECLINE, ACCEPT_NEW):
        assert {"404", "409", "410"} <= set(paths[path]["post"]["responses"]), path
    assert "403" in paths[ACCEPT]["post"]["responses"]


async def test_two_acceptances_at_once_make_one_account(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    token = (await invite(client, "twice@example.com"))["token"]
    async with make_client(app) as first, make_client(app) as second:
        answers = await asyncio.gather(
            _accept_new(first, token, password="first-password"),
            _accept_new(second, token, password="second-password"),
        )
    assert sorted(a.status_code for a in answers) == [200, 410]
    winner = "first-password" if answers[0].status_code == 200 else "second-password"
    loser = "second-password" if winner == "first-password" else "first-password"
    assert (await _sign_in(app, "twice@example.com", winner)).status_code == 200
    assert (await _sign_in(app, "twice@example.com", loser)).status_code == 401
