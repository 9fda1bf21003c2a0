"""POST /invoices/{invoice_id}/payments: start paying an invoice by card or ACH (Idempotency-Key required)."""

from aws_lambda_powertools.metrics import MetricUnit

from shared.aws.notify import enqueue_job
from shared.domain import merchant
from shared.domain.ach_authorization import authorization_text
from shared.http.payment_requests import check_idempotency_key, parse_payment_request
from shared.http.views import started_view
from shared.http.web import client_id_of, header, json_body, json_response, lambda_entry, logger, make_app, metrics
from shared.processors.factory import ach_processor, card_processor
from shared.services.ach_payments import start_ach_payment
from shared.services.card_payments import start_card_payment

app = make_app()


@app.post("/invoices/<invoice_id>/payments")
def create_payment(invoice_id: str):
    client_id = client_id_of(app)
    key = check_idempotency_key(header(app, "Idempotency-Key"))
    shop = merchant.from_environment()
    request = parse_payment_request(json_body(app), authorization_text(shop))
    if request.method == "ach":
        started = start_ach_payment(client_id, invoice_id, key, request, ach_processor(), card_processor, enqueue_job)
    else:
        started = start_card_payment(client_id, invoice_id, key, request, card_processor(), shop.name, enqueue_job)
    if not started.replayed:
        metrics.add_metric(name="PaymentStarted", unit=MetricUnit.Count, value=1)
    payment = started.payment
    logger.info(
        "payment started",
        extra={
            "client_id": client_id,
            "invoice_id": invoice_id,
            "payment_id": payment.payment_id,
            "method": payment.method,
            "amount": payment.amount,
            "currency": payment.currency,
            "status": payment.status,
            "processor_payment_id": payment.processor_payment_id,
            "replayed": started.replayed,
        },
    )
    return json_response(201, started_view(started), {"Idempotent-Replayed": "true" if started.replayed else "false"})


handler = lambda_entry(app)
