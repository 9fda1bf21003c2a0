"""ops-create-client: a new client and its portal login, in one step.

Writes the client (id, name, billing email) unless it exists, then creates the Cognito user with the email as its
username and `custom:client_id` set (which no client can change), and Cognito emails the invitation with a
temporary password. Running it again for the same client and email finishes what a failed run left undone."""

import argparse
import re
import sys

from ops import stack
from ops.audit import log

CLIENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def create_client(
    cognito,
    user_pool_id: str,
    client_id: str,
    name: str,
    email: str,
    *,
    out=None,
    business: bool = False,
    contact_name: str | None = None,
) -> dict:
    """Returns {"client": "created" | "existed", "login": "invited" | "existed"}. A business (`business`) is known to
    the ACH processor by its name as its business name, and by `contact_name` (else its name) as a person."""
    out = out or sys.stdout
    from pynamodb.exceptions import PutError

    from shared.aws.models import Client
    from shared.domain.accounts import MAX_NAME_BYTES
    from shared.http.errors import DomainError
    from shared.http.validation import is_email_address, text_field

    if not CLIENT_ID.fullmatch(client_id):
        raise SystemExit("error: a client id is 1-64 letters, digits, '-' or '_'")
    if not is_email_address(email):  # the same rule as PATCH /account: a bare address SES can deliver to
        raise SystemExit("error: give a valid email: just the address, like name@example.com")
    try:  # the same rule as the client's own name: it is in every email's greeting
        name = text_field(name, "the client's name", "invalid_field", MAX_NAME_BYTES)
        contact_name = (
            text_field(contact_name, "the contact's name", "invalid_field", MAX_NAME_BYTES) if contact_name else None
        )
    except DomainError as exc:
        raise SystemExit(f"error: {exc.message}") from None
    result = {}
    try:
        Client(client_id, name=name, billing_email=email, business=business, contact_name=contact_name).save(
            condition=Client.client_id.does_not_exist()
        )
        result["client"] = "created"
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        existing = Client.get(client_id, consistent_read=True)
        if existing.billing_email.casefold() != email.casefold():
            raise SystemExit(f"error: client {client_id} exists with another billing email; nothing changed") from None
        result["client"] = "existed"
    try:
        cognito.admin_create_user(
            UserPoolId=user_pool_id,
            Username=email,
            DesiredDeliveryMediums=["EMAIL"],
            UserAttributes=[
                {"Name": "email", "Value": email},
                {"Name": "email_verified", "Value": "true"},
                {"Name": "name", "Value": name},
                {"Name": "custom:client_id", "Value": client_id},
            ],
        )
        result["login"] = "invited"
    except cognito.exceptions.UsernameExistsException:
        user = cognito.admin_get_user(UserPoolId=user_pool_id, Username=email)
        attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
        if attributes.get("custom:client_id") != client_id:
            raise SystemExit(
                f"error: {email} already signs in for another client; nothing changed for the login"
            ) from None
        result["login"] = "existed"
    log.info("client created by an operator", extra={"client_id": client_id, **result})
    print(
        f"client {client_id}: {result['client']}; portal login {email}: {result['login']}"
        + (" (Cognito emailed the invitation with a temporary password)" if result["login"] == "invited" else ""),
        file=out,
    )
    return result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="ops-create-client", description=__doc__.splitlines()[0])
    stack.add_arguments(parser)
    parser.add_argument("--client", required=True, help="the new client's id (what invoices are filed under)")
    parser.add_argument("--name", required=True, help="the client's name, as on invoices")
    parser.add_argument("--email", required=True, help="billing email and portal login")
    parser.add_argument(
        "--business",
        action="store_true",
        help="the client is a business: --name is its registered name (Dwolla's businessName)",
    )
    parser.add_argument("--contact-name", help="a business's contact, the person Dwolla asks for (default: --name)")
    parser.add_argument("--user-pool-id", help="instead of the stack's")
    args = parser.parse_args(argv)
    resources = stack.resolve(args)
    import boto3

    return create_client(
        boto3.client("cognito-idp"),
        stack.required(resources, "UserPool", args.user_pool_id, "user pool id"),
        args.client,
        args.name,
        args.email,
        business=args.business,
        contact_name=args.contact_name,
    )


if __name__ == "__main__":
    main()
