"""GET /account and PATCH /account: billing email, name and notification preferences."""

from pynamodb.exceptions import UpdateError

from shared.accounts import parse_account_patch
from shared.errors import NotFound
from shared.models import Client
from shared.views import account_view
from shared.web import client_id_of, json_body, lambda_entry, make_app

app = make_app()


def _not_found() -> NotFound:
    return NotFound("We couldn't find your account.", code="account_not_found")


@app.get("/account")
def get_account():
    try:
        return account_view(Client.get(client_id_of(app)))
    except Client.DoesNotExist:
        raise _not_found() from None


@app.patch("/account")
def patch_account():
    client_id = client_id_of(app)
    changes = parse_account_patch(json_body(app))
    client = Client(client_id)
    if changes:
        try:
            client.update(actions=[getattr(Client, field).set(value) for field, value in changes.items()],
                          condition=Client.client_id.exists())
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise _not_found() from None
            raise
    try:
        return account_view(Client.get(client_id, consistent_read=True))
    except Client.DoesNotExist:
        raise _not_found() from None


handler = lambda_entry(app)
