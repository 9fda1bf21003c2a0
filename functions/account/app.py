"""GET /account and PATCH /account: billing email, name and notification preferences."""

from shared.accounts import parse_account_patch
from shared.services.client_accounts import get_account, update_account
from shared.views import account_view
from shared.web import client_id_of, json_body, lambda_entry, make_app

app = make_app()


@app.get("/account")
def get_account_route():
    return account_view(get_account(client_id_of(app)))


@app.patch("/account")
def patch_account():
    client_id = client_id_of(app)
    return account_view(update_account(client_id, parse_account_patch(json_body(app))))


handler = lambda_entry(app)
