"""POST /webhooks/ach: the ACH processor's events. The signature is the authentication.

Dwolla wants a 2xx within 10 seconds, so this only checks the signature and the envelope and queues the event
(nothing is read from or written to the tables, and Dwolla is not called); the ACH event worker applies it.
If the queue refuses it, the answer is 503 and Dwolla delivers it again."""

from aws_lambda_powertools.metrics import MetricUnit

from shared.aws import ach_event_queue
from shared.aws.secrets import ach_secrets, webhook_secrets
from shared.http.errors import BadRequest
from shared.http.web import header, lambda_entry, logger, make_app, metrics, raw_body
from shared.processors import ach_webhooks

app = make_app()


@app.post("/webhooks/ach")
def ach_webhook():
    payload = raw_body(app)
    try:  # before anything reads the body
        ach_webhooks.verify(payload, header(app, ach_webhooks.SIGNATURE_HEADER), webhook_secrets(ach_secrets()))
    except ach_webhooks.InvalidSignature as exc:
        metrics.add_metric(name="WebhookRejected", unit=MetricUnit.Count, value=1)
        logger.warning("ach webhook signature rejected", extra={"reason": str(exc)})
        raise BadRequest(
            f"The {ach_webhooks.SIGNATURE_HEADER} header does not match this payload.", code="invalid_signature"
        ) from None
    try:
        event = ach_webhooks.parse(payload)
    except ach_webhooks.InvalidPayload as exc:
        raise BadRequest(f"The event could not be read: {exc}.", code="invalid_payload") from None

    logger.append_keys(ach_event_id=event.id, ach_topic=event.topic)
    if event.topic in ach_webhooks.HANDLED_TOPICS:
        ach_event_queue.enqueue(event)
        logger.info("ach event queued")
    else:
        logger.info("ach topic not handled")
    return {"received": True}


handler = lambda_entry(app)
