"""POST /payment-methods/bank-accounts: link a bank account for ACH (starts micro-deposit verification)."""

from shared.domain.bank_accounts import parse_bank_account
from shared.http.views import payment_method_view
from shared.http.web import client_id_of, json_body, json_response, lambda_entry, make_app
from shared.processors.factory import ach_processor
from shared.services.bank_accounts import link_bank_account

app = make_app()


@app.post("/payment-methods/bank-accounts")
def add_bank_account():
    client_id = client_id_of(app)
    request = parse_bank_account(json_body(app))  # the numbers go to the processor and nowhere else
    method = link_bank_account(client_id, request, ach_processor())
    return json_response(201, payment_method_view(method, None))


handler = lambda_entry(app)
