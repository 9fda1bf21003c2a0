"""POST /invoices/{invoice_id}/payments: start paying an invoice by card or ACH (Idempotency-Key required)."""

from aws_lambda_powertools.metrics import MetricUnit

from shared import merchant
from shared.notify import enqueue_notice
from shared.payment_requests import check_idempotency_key, parse_payment_request
# Card payments call Stripe: the SDK is loaded at init, so a SnapStart snapshot already holds it.
from shared.processors import stripe_cards  # noqa: F401
from shared.processors.factory import ach_processor, card_processor
from shared.services.ach_payments import start_ach_payment
from shared.services.card_payments import start_card_payment
from shared.views import payment_view
from shared.web import client_id_of, header, json_body, json_response, lambda_entry, make_app, metrics

app = make_app()


@app.post("/invoices/<invoice_id>/payments")
def create_payment(invoice_id: str):
    client_id = client_id_of(app)
    key = check_idempotency_key(header(app, "Idempotency-Key"))
    request = parse_payment_request(json_body(app))
    if request.method == "ach":
        started = start_ach_payment(client_id, invoice_id, key, request, ach_processor(), card_processor, enqueue_notice)
    else:
        started = start_card_payment(client_id, invoice_id, key, request, card_processor(), merchant.from_environment().name,
                                     enqueue_notice)
    if not started.replayed:
        metrics.add_metric(name="PaymentStarted", unit=MetricUnit.Count, value=1)
    body = payment_view(started.payment)
    if started.client_secret:
        body["client_secret"] = started.client_secret
    if started.next_action:
        body["next_action"] = started.next_action
    return json_response(201, body, {"Idempotent-Replayed": "true" if started.replayed else "false"})


handler = lambda_entry(app)
