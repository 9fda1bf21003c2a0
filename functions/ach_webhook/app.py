"""POST /webhooks/ach: the ACH processor's events. The signature is the authentication."""

from aws_lambda_powertools.metrics import MetricUnit

from shared import clock
from shared.errors import BadRequest
from shared.notify import enqueue_notice
from shared.processors import ach_webhooks
from shared.processors.ach_factory import ach_processor
from shared.secrets import ach_secrets
from shared.services import ach_events
from shared.web import header, lambda_entry, logger, make_app, metrics, raw_body, webhook_received

app = make_app()


@app.post("/webhooks/ach")
def ach_webhook():
    payload = raw_body(app)
    try:  # before anything reads the body
        ach_webhooks.verify(payload, header(app, ach_webhooks.SIGNATURE_HEADER), ach_secrets()["webhook_secret"])
    except ach_webhooks.InvalidSignature as exc:
        metrics.add_metric(name="WebhookRejected", unit=MetricUnit.Count, value=1)
        logger.warning("ach webhook signature rejected", extra={"reason": str(exc)})
        raise BadRequest(f"The {ach_webhooks.SIGNATURE_HEADER} header does not match this payload.",
                         code="invalid_signature") from None
    try:
        event = ach_webhooks.parse(payload, clock.now())
    except ach_webhooks.InvalidPayload as exc:
        raise BadRequest(f"The event could not be read: {exc}.", code="invalid_payload") from None

    logger.append_keys(ach_event_id=event.id, ach_topic=event.topic)
    return webhook_received("ach", ach_events.handle(event, ach_processor(), enqueue_notice))


handler = lambda_entry(app)
