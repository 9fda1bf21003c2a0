"""GET /account and PATCH /account: billing email, name and notification preferences; POST
/account/billing-email/confirm: the link emailed to a new billing email, followed by the signed-in client."""

from shared.aws.notify import enqueue_job
from shared.domain import clock
from shared.domain.accounts import parse_account_patch, parse_confirmation
from shared.http.views import account_view
from shared.http.web import client_id_of, json_body, lambda_entry, make_app
from shared.services.client_accounts import confirm_billing_email, get_account, update_account

app = make_app()


@app.get("/account")
def get_account_route():
    return account_view(get_account(client_id_of(app)))


@app.patch("/account")
def patch_account():
    client_id = client_id_of(app)
    changes = parse_account_patch(json_body(app))
    return account_view(update_account(client_id, changes, now=clock.now(), enqueue=enqueue_job))


@app.post("/account/billing-email/confirm")
def confirm_billing_email_route():
    client_id = client_id_of(app)
    token = parse_confirmation(json_body(app))
    return account_view(confirm_billing_email(client_id, token, now=clock.now(), enqueue=enqueue_job))


handler = lambda_entry(app)
