"""POST /payment-methods/{payment_method_id}/verify: confirm the two micro-deposit amounts."""

from shared.domain.bank_accounts import parse_verify_amounts
from shared.http.views import payment_method_view
from shared.http.web import client_id_of, json_body, lambda_entry, make_app
from shared.processors.factory import ach_processor
from shared.services.bank_accounts import verify_bank_account
from shared.services.client_accounts import default_method_id

app = make_app()


@app.post("/payment-methods/<payment_method_id>/verify")
def verify(payment_method_id: str):
    client_id = client_id_of(app)
    amounts = parse_verify_amounts(json_body(app))
    method = verify_bank_account(client_id, payment_method_id, amounts, ach_processor())
    return payment_method_view(method, default_method_id(client_id))


handler = lambda_entry(app)
