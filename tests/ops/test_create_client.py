"""ops-create-client against moto's Cognito: the client's row and an invited login carrying its client id."""

import boto3
import pytest

from infra import template
from ops import create_client
from shared.aws.models import Client
from tests.helpers import table_snapshot


@pytest.fixture
def pool(aws):
    """A user pool with the template's own settings (custom:client_id immutable, email as the username)."""
    props = template.resources("AWS::Cognito::UserPool")["UserPool"]["Properties"]
    return boto3.client("cognito-idp").create_user_pool(
        PoolName="ops-test",
        **{
            k: props[k]
            for k in ("UsernameAttributes", "AutoVerifiedAttributes", "AdminCreateUserConfig", "Schema", "Policies")
        },
    )["UserPool"]["Id"]


def _create(pool, client="client-new", name="Nora North", email="nora@north.test"):
    return create_client.main(["--client", client, "--name", name, "--email", email, "--user-pool-id", pool])


def test_a_business_client_is_kept_as_one_with_its_contact(pool):
    assert (
        create_client.main(
            [
                "--client",
                "client-biz",
                "--name",
                "Yahoo! Inc",
                "--email",
                "ap@yahoo.test",
                "--business",
                "--contact-name",
                "Jerry Yang",
                "--user-pool-id",
                pool,
            ]
        )["client"]
        == "created"
    )
    client = Client.get("client-biz")
    assert (client.name, client.business, client.contact_name) == ("Yahoo! Inc", True, "Jerry Yang")
    assert _create(pool) and Client.get("client-new").business is False


def _user(pool, email):
    user = boto3.client("cognito-idp").admin_get_user(UserPoolId=pool, Username=email)
    return user["UserStatus"], {a["Name"]: a["Value"] for a in user["UserAttributes"]}


def test_creates_the_client_and_an_invited_login_with_its_client_id(pool, capsys):
    assert _create(pool) == {"client": "created", "login": "invited"}
    client = Client.get("client-new")
    assert (client.name, client.billing_email, client.credit_balance) == ("Nora North", "nora@north.test", 0)
    status, attributes = _user(pool, "nora@north.test")
    assert status == "FORCE_CHANGE_PASSWORD"  # invited: a temporary password went by email
    assert (attributes["custom:client_id"], attributes["email"], attributes["email_verified"]) == (
        "client-new",
        "nora@north.test",
        "true",
    )
    assert "Cognito emailed the invitation" in capsys.readouterr().out


def test_running_it_again_finishes_a_half_done_run_and_changes_nothing_else(pool):
    Client("client-new", name="Nora North", billing_email="nora@north.test").save()  # the login failed last time
    assert _create(pool) == {"client": "existed", "login": "invited"}
    before = table_snapshot()
    assert _create(pool) == {"client": "existed", "login": "existed"}
    assert table_snapshot() == before


@pytest.mark.parametrize(
    "client,name,email,message",
    [
        ("client new", "Nora", "nora@north.test", "client id"),
        ("client-new", "Nora", "not-an-email", "valid email"),
        ("client-new", "Nora", "Nora North <nora@north.test>", "valid email"),
        ("client-new", "Nora", "nora@north.test\nBcc: x@evil.test", "valid email"),
        ("client-new", " ", "nora@north.test", "name must not be empty"),
        ("client-new", "Nora\r\nNorth", "nora@north.test", "line breaks"),
        ("client-new", "Nora \u202eNorth", "nora@north.test", "direction"),
        ("client-new", "\u4e2d" * 67, "nora@north.test", "at most 200 bytes"),
        ("client-new\n", "Nora", "nora@north.test", "client id"),
        ("client-a", "Ann", "someone.else@example.test", "another billing email"),  # an existing client
    ],
)
def test_bad_input_is_refused_and_nothing_is_created(seeded, pool, client, name, email, message):
    before = table_snapshot()
    with pytest.raises(SystemExit, match=message):
        _create(pool, client, name, email)
    assert table_snapshot() == before
    assert boto3.client("cognito-idp").list_users(UserPoolId=pool)["Users"] == []


def test_an_email_that_signs_in_for_another_client_is_not_taken_over(pool):
    _create(pool, "client-one", "One", "shared@example.test")
    with pytest.raises(SystemExit, match="another client"):
        _create(pool, "client-two", "Two", "shared@example.test")
    assert _user(pool, "shared@example.test")[1]["custom:client_id"] == "client-one"
