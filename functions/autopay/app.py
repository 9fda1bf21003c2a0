"""PUT /account/autopay turns autopay on with a saved card or a verified bank account, once the client accepted the
recurring authorization of GET /portal-settings (a copy is emailed); DELETE /account/autopay turns it off."""

import os

from shared.aws.notify import enqueue_job
from shared.domain import autopay, clock, merchant
from shared.http.views import account_view
from shared.http.web import client_id_of, json_body, json_response, lambda_entry, make_app
from shared.services import autopay as autopay_service
from shared.services.client_accounts import get_account

app = make_app()


@app.put("/account/autopay")
def turn_on():
    client_id = client_id_of(app)
    text = autopay.authorization_text(merchant.from_environment(), autopay.days_before_from(os.environ))
    method_id = autopay_service.parse_request(json_body(app), text)
    client = autopay_service.turn_on(
        get_account(client_id, consistent=True), method_id, text, clock.today(), enqueue_job
    )
    return {"autopay": account_view(client)["autopay"]}


@app.delete("/account/autopay")
def turn_off():
    autopay_service.turn_off(get_account(client_id_of(app), consistent=True))
    return json_response(204, None)


handler = lambda_entry(app)
