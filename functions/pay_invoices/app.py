"""POST /payments: pay several invoices (their full balances, one currency) with one card payment or one bank
transfer (Idempotency-Key required). POST /payments/quote: what it will cost, the card fee included, before the
client submits."""

from aws_lambda_powertools.metrics import MetricUnit

from shared.aws.notify import enqueue_job
from shared.domain import merchant, surcharges
from shared.domain.ach_authorization import authorization_text
from shared.http.multi_payment_requests import parse_payments, parse_quote
from shared.http.payment_requests import check_idempotency_key
from shared.http.views import quote_view, started_view
from shared.http.web import client_id_of, header, json_body, json_response, lambda_entry, logger, make_app, metrics
from shared.processors.factory import ach_processor, card_processor
from shared.services.multi_payments import quote, start_payments

app = make_app()


@app.post("/payments/quote")
def quote_payment():
    client_id = client_id_of(app)
    request = parse_quote(json_body(app))
    fee = surcharges.current() if request.method == "card" else None
    return quote_view(quote(client_id, request, card_processor, fee))


@app.post("/payments")
def create_payments():
    client_id = client_id_of(app)
    key = check_idempotency_key(header(app, "Idempotency-Key"))
    shop = merchant.from_environment()
    request = parse_payments(json_body(app), authorization_text(shop))
    fee = surcharges.current() if request.method == "card" else None
    started = start_payments(
        client_id,
        key,
        request,
        cards=card_processor,
        ach=ach_processor,
        merchant_name=shop.name,
        enqueue=enqueue_job,
        fee=fee,
    )
    if not started.replayed:
        metrics.add_metric(name="PaymentStarted", unit=MetricUnit.Count, value=1)
    payment = started.payment
    logger.info(
        "payment of several invoices started",
        extra={
            "client_id": client_id,
            "invoice_ids": list(payment.invoice_ids),
            "payment_id": payment.payment_id,
            "method": payment.method,
            "amount": payment.amount,
            "card_fee": payment.card_fee,
            "currency": payment.currency,
            "status": payment.status,
            "processor_payment_id": payment.processor_payment_id,
            "replayed": started.replayed,
        },
    )
    return json_response(201, started_view(started), {"Idempotent-Replayed": "true" if started.replayed else "false"})


handler = lambda_entry(app)
