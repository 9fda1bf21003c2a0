"""POST /webhooks/stripe: Stripe's events. The signature is the authentication."""

from aws_lambda_powertools.metrics import MetricUnit

from shared.errors import BadRequest
from shared.notify import enqueue_job, enqueue_notice
from shared.processors import stripe_events, stripe_signature
from shared.processors.factory import card_processor
from shared.secrets import stripe_secrets
from shared.services import stripe_webhooks
from shared.web import header, lambda_entry, logger, make_app, metrics, raw_body, webhook_received

app = make_app()


def _card_details(payment_method_id: str):
    return card_processor().card_details(payment_method_id)


def _intent_outcome(intent_id: str):
    return card_processor().intent_outcome(intent_id)


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
        event = stripe_events.parse(payload)
        logger.append_keys(stripe_event_id=event.id, stripe_event_type=event.type)
        result = stripe_webhooks.handle(event, enqueue_notice=enqueue_notice, card_details=_card_details,
                                        intent_outcome=_intent_outcome, enqueue_job=enqueue_job)
    except stripe_events.InvalidPayload as exc:
        raise BadRequest(f"The event could not be read: {exc}.", code="invalid_payload") from None

    return webhook_received("stripe", result)


handler = lambda_entry(app)
