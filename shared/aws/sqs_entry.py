"""The Lambda handler of an SQS-triggered function, as `web.lambda_entry` is for an API one, and the record
type its record handler takes."""

from shared.coldstart import powertools_packages  # noqa: F401 (first: Powertools' data_classes without its __init__)
from shared.coldstart.deferred_modules import defer

# Powertools' batch module imports asyncio (about 16 ms) for its AsyncBatchProcessor; these workers use the
# synchronous BatchProcessor, so asyncio is loaded only if something does use it
# (shared/coldstart/deferred_modules.py).
defer("asyncio")

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response  # noqa: E402
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord  # noqa: E402

from shared import coldstart  # noqa: E402
from shared.http.web import logger, metrics, tracer  # noqa: E402

__all__ = ["SQSRecord", "sqs_entry"]


def sqs_entry(record_handler):
    """Each record handled on its own; the ones that raised are reported back to SQS (partial batch response,
    with ReportBatchItemFailures on the event source), so only they are retried and then dead-lettered."""
    coldstart.prime()  # the init's last step: at a SnapStart init, what a first job would load
    # Report every failed record, even when the whole batch failed, instead of failing the invocation.
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

    @logger.inject_lambda_context(clear_state=True)
    @tracer.capture_lambda_handler
    @metrics.log_metrics
    def handler(event, context):
        return process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )

    return handler
