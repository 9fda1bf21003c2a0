"""POST /webhooks/stripe: Stripe's events. The signature is the authentication."""

from aws_lambda_powertools.metrics import MetricUnit

from shared.aws.notify import enqueue_job
from shared.aws.secrets import stripe_secrets, webhook_secrets
from shared.http.errors import BadRequest, ProcessorRefused, ProcessorUnavailable, UnknownProcessorObject
from shared.http.web import header, lambda_entry, logger, make_app, metrics, raw_body, webhook_received
from shared.processors import stripe_events, stripe_signature
from shared.processors.factory import card_processor
from shared.services import stripe_webhooks

app = make_app()


def _known(lookup, object_id: str):
    try:
        return lookup(object_id)
    except ProcessorRefused as exc:
        if exc.not_found:
            raise UnknownProcessorObject(object_id) from exc
        raise ProcessorUnavailable() from exc  # any other refusal: a 5xx, so Stripe delivers the event again


def _card_details(payment_method_id: str):
    return _known(card_processor().card_details, payment_method_id)


def _intent_outcome(intent_id: str):
    return _known(card_processor().intent_outcome, intent_id)


def _refunds_of(intent_id: str):
    return _known(card_processor().refunds_of, intent_id)


def _refunds():
    from shared.processors.refunds import StripeRefunds

    return StripeRefunds(card_processor())


def _stripe_side() -> stripe_webhooks.StripeSide:
    return stripe_webhooks.StripeSide(
        card_details=_card_details,
        intent_outcome=_intent_outcome,
        refunds_of=_refunds_of,
        refunds=_refunds,
        refund_on_early_fraud_warning=stripe_webhooks.refund_on_early_fraud_warning(),
    )


@app.post("/webhooks/stripe")
def stripe_webhook():
    payload = raw_body(app)
    try:  # before anything reads the body
        stripe_signature.verify(payload, header(app, "Stripe-Signature"), webhook_secrets(stripe_secrets()))
    except stripe_signature.InvalidSignature as exc:
        metrics.add_metric(name="WebhookRejected", unit=MetricUnit.Count, value=1)
        logger.warning("stripe webhook signature rejected", extra={"reason": str(exc)})
        raise BadRequest("The Stripe-Signature header does not match this payload.", code="invalid_signature") from None
    try:
        event = stripe_events.parse(payload)
        logger.append_keys(stripe_event_id=event.id, stripe_event_type=event.type)
        result = stripe_webhooks.handle(event, enqueue=enqueue_job, stripe=_stripe_side())
    except stripe_events.InvalidPayload as exc:
        raise BadRequest(f"The event could not be read: {exc}.", code="invalid_payload") from None
    except UnknownProcessorObject as exc:
        # Stripe would retry a 5xx for days and never get another answer: acknowledged, nothing changed.
        logger.warning("stripe event names an object Stripe does not know: ignored", extra={"object_id": str(exc)})
        return {"received": True}

    return webhook_received("stripe", result, sent_at=event.created)


handler = lambda_entry(app)
