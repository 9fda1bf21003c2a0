"""What the handlers decide after the JWT authorizer: only an ID token with custom:client_id reaches a client's
data; only an ID token of the admin group reaches the back office. Tokens arrive as API Gateway hands them to
Lambda (tests/helpers.call renders the claims); every refusal changes nothing."""

import pytest

from shared.aws.models import Client, Payment
from tests.helpers import ROUTES, call, table_snapshot

APP_CLIENT = "portal-app"
PARAMS = {
    "invoice_id": "inv-full",
    "payment_id": "pay-1",
    "payment_method_id": "pm-1",
    "client_id": "client-a",
    "extension_request_id": "ext-1",
    "problem_report_id": "rep-1",
}
PORTAL = [r for r in ROUTES if r["auth"] and not r["path"].startswith("/admin/")]
ADMIN = [r for r in ROUTES if r["auth"] and r["path"].startswith("/admin/")]

# A Cognito access token of the portal's app client passes the JWT authorizer (client_id matches, no aud). It
# carries the user's groups; even with custom:client_id added (a pre-token-generation trigger could) it is refused.
ACCESS_TOKEN = {
    "token_use": "access",
    "aud": None,
    "client_id": APP_CLIENT,
    "scope": "aws.cognito.signin.user.admin",
    "custom:client_id": "client-a",
    "cognito:groups": ["merchant-admins"],
}


def invoke(route, claims):
    path = route["path"]
    params = {name: value for name, value in PARAMS.items() if "{" + name + "}" in path}
    return call(
        route["function"],
        method=route["method"],
        path_suffix=path,
        path_parameters=params or None,
        body={} if route["method"] in ("POST", "PATCH") else None,
        headers={"Idempotency-Key": "auth-test"},
        claims=claims,
    )


def answer(route, claims) -> tuple[int, str | None]:
    status, body, _ = invoke(route, claims)
    return status, (body or {}).get("error", {}).get("code")


def route_id(route):
    return f"{route['method']} {route['path']}"


@pytest.mark.parametrize(
    "claims",
    [
        ACCESS_TOKEN,
        {"sub": "admin-1", "cognito:groups": ["merchant-admins"]},  # an ID token without custom:client_id
        {"custom:client_id": "client-a", "token_use": None},
        {"custom:client_id": ""},
    ],
    ids=["access_token", "id_token_without_client_id", "no_token_use", "empty_client_id"],
)
def test_a_client_route_takes_only_an_id_token_with_a_client(seeded, claims):
    before = table_snapshot()
    answers = {route_id(route): answer(route, claims) for route in PORTAL}
    assert answers == {route_id(route): (401, "unauthorized") for route in PORTAL}
    assert table_snapshot() == before


@pytest.mark.parametrize(
    "claims, refusal",
    [
        ({**ACCESS_TOKEN, "custom:client_id": None}, (401, "unauthorized")),
        ({"cognito:groups": ["merchant-admins"], "token_use": None}, (401, "unauthorized")),
        ({"cognito:groups": ["support,merchant-admins"]}, (403, "forbidden")),
        ({"cognito:groups": ["merchant-admins,support", "ops"]}, (403, "forbidden")),
        ({"cognito:groups": ["[merchant-admins]"]}, (403, "forbidden")),
        ({"cognito:groups": "merchant-admins"}, (403, "forbidden")),  # not a list claim as API Gateway renders one
        ({"custom:client_id": "client-a"}, (403, "forbidden")),
    ],
    ids=[
        "admin_access_token",
        "no_token_use",
        "comma_in_a_group_name",
        "comma_then_other_group",
        "brackets_in_a_group_name",
        "bare_string",
        "client",
    ],
)
def test_an_admin_route_takes_only_an_id_token_of_the_admin_group(seeded, claims, refusal):
    before = table_snapshot()
    answers = {route_id(route): answer(route, claims) for route in ADMIN}
    assert answers == {route_id(route): refusal for route in ADMIN}
    assert table_snapshot() == before


def test_an_admin_id_token_passes_the_check(seeded):
    """The other side of the refusals above: the admin group's ID token, also beside another group."""
    claims = {"sub": "admin-1", "cognito:groups": ["support,ops", "merchant-admins"]}
    answers = {route_id(route): answer(route, claims)[0] for route in ADMIN}
    assert not {route: status for route, status in answers.items() if status in (401, 403)}, answers


def test_an_access_token_cannot_pay_what_the_id_token_can(seeded):
    request = {
        "path_parameters": {"invoice_id": "inv-full"},
        "body": {"method": "card"},
        "headers": {"Idempotency-Key": "pay-1"},
    }
    before = table_snapshot()
    status, body, _ = call("CreatePaymentFunction", claims=ACCESS_TOKEN, **request)
    assert (status, body["error"]["code"]) == (401, "unauthorized")
    assert "ID token" in body["error"]["message"]
    assert table_snapshot() == before

    status, body, _ = call("CreatePaymentFunction", claims={"custom:client_id": "client-a"}, **request)
    assert status == 201 and Payment.get("client-a", body["payment_id"]).amount == 125000


def test_an_access_token_cannot_change_the_account(seeded):
    before = table_snapshot()
    status, _, _ = call("AccountFunction", method="PATCH", body={"name": "Mallory"}, claims=ACCESS_TOKEN)
    assert status == 401 and table_snapshot() == before
    status, _, _ = call(
        "AccountFunction", method="PATCH", body={"name": "Ann A."}, claims={"custom:client_id": "client-a"}
    )
    assert status == 200 and Client.get("client-a").name == "Ann A."
