"""Round trip through the generated Python client: signup, login, me, a personal token, me with it.

usage: PYTHONPATH=<dir holding tokenauth_client> python roundtrip.py <base-url>

The modules are named after method and path (post_api_signup), grouped by tag (api.auth),
because the document gives no operationId: naming operations there renames them here.
"""

import sys
import uuid

from tokenauth_client import AuthenticatedClient, Client
from tokenauth_client.api.account import get_api_me, post_api_me_tokens
from tokenauth_client.api.auth import post_api_login, post_api_signup
from tokenauth_client.models import (
    LoginRequest,
    LoginSuccess,
    PersonalToken,
    PersonalTokenRequest,
    SignupRequest,
    User,
)


def expect(step, response, status, model):
    # The client parses documented error answers into models too, so the status is checked as well.
    if response.status_code != status or not isinstance(response.parsed, model):
        got = f"{int(response.status_code)} {response.content[:300]!r}"
        sys.exit(f"{step}: expected {status} {model.__name__}, got {got}")
    return response.parsed


def authenticated(base_url, key):
    # tokenauth reads "Token <key>"; the generated client would send "Bearer" (also accepted).
    return AuthenticatedClient(base_url=base_url, token=key, prefix="Token", raise_on_unexpected_status=True)


def main(base_url):
    # A fresh address each run: the check may run many times against one database.
    email = f"py-{uuid.uuid4().hex[:12]}@example.com"
    password = "Tr1p-through-the-client"
    anonymous = Client(base_url=base_url, raise_on_unexpected_status=True)

    signup = post_api_signup.sync_detailed(
        client=anonymous, body=SignupRequest(email=email, phonenumber="+15551234567", password=password)
    )
    user = expect("signup", signup, 201, User)

    login = post_api_login.sync_detailed(client=anonymous, body=LoginRequest(email=email, password=password))
    session_key = expect("login", login, 200, LoginSuccess).token.key

    session = authenticated(base_url, session_key)
    me = expect("me (session token)", get_api_me.sync_detailed(client=session), 200, User)
    if me.id != user.id or me.email != email:
        sys.exit(f"me (session token): expected {user.id} {email}, got {me.id} {me.email}")

    # from_dict turns the scope names into the generated enum, whatever the document names it.
    request = PersonalTokenRequest.from_dict(
        {"name": "roundtrip", "scopes": ["account:read"], "expires_in_days": 1}
    )
    created = post_api_me_tokens.sync_detailed(client=session, body=request)
    personal = expect("create personal token", created, 201, PersonalToken)
    if personal.kind != "personal" or [str(s) for s in personal.scopes] != ["account:read"]:
        sys.exit(f"create personal token: unexpected {personal.to_dict()}")

    scripted = authenticated(base_url, personal.key)
    again = expect("me (personal token)", get_api_me.sync_detailed(client=scripted), 200, User)
    if again.id != user.id:
        sys.exit(f"me (personal token): expected user {user.id}, got {again.id}")

    print(f"signup, login, me, personal token {personal.id}, me with it: all as {email}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: roundtrip.py <base-url>")
    main(sys.argv[1].rstrip("/"))
