"""POST /webhooks/stripe: Stripe's PaymentIntent events. The signature is the authentication."""

from aws_lambda_powertools.metrics import MetricUnit

from shared.errors import BadRequest
from shared.notify import enqueue_receipt
from shared.processors import stripe_events, stripe_signature
from shared.secrets import stripe_secrets
from shared.services.payment_updates import apply_update
from shared.web import header, lambda_entry, logger, make_app, metrics, raw_body

app = make_app()


@app.post("/webhooks/stripe")
def stripe_webhook():
    payload = raw_body(app)
    try:  # before anything reads the body
        stripe_signature.verify(payload, header(app, "Stripe-Signature"), stripe_secrets()["webhook_secret"])
    except stripe_signature.InvalidSignature as exc:
        metrics.add_metric(name="WebhookRejected", unit=MetricUnit.Count, value=1)
        logger.warning("stripe webhook signature rejected", extra={"reason": str(exc)})
        raise BadRequest("The Stripe-Signature header does not match this payload.",
                         code="invalid_signature") from None
    try:
        event_id, event_type, update = stripe_events.parse(payload)
    except stripe_events.InvalidPayload as exc:
        raise BadRequest(f"The event could not be read: {exc}.", code="invalid_payload") from None

    logger.append_keys(stripe_event_id=event_id, stripe_event_type=event_type)
    if update is None:
        logger.info("stripe event not handled")
        return {"received": True}
    result = apply_update(update, enqueue_receipt)
    logger.info("stripe event processed", extra={"result": result.outcome, "payment_id": update.payment_id,
                                                 "payment_status": result.payment_status})
    if result.outcome == "applied":
        metrics.add_metric(name=f"Payment_{result.payment_status}", unit=MetricUnit.Count, value=1)
    if result.anomaly:
        metrics.add_metric(name="PaymentAnomaly", unit=MetricUnit.Count, value=1)
    return {"received": True}


handler = lambda_entry(app)
