"""Daily schedule: autopay (notices, charges, retries), due-date reminders, overdue notices and late fees (see
shared/services/due_date_job.py)."""

import os
from dataclasses import asdict

from aws_lambda_powertools.metrics import MetricUnit

from shared import coldstart
from shared.aws.notify import enqueue_job
from shared.domain import clock
from shared.domain.due_dates import merchant_default_policy
from shared.http.web import logger, metrics, tracer
from shared.processors.factory import ach_processor, card_processor
from shared.services.due_date_job import run

coldstart.prime()  # at a SnapStart init: what its first run would load


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context):
    report = run(
        clock.today(),
        enqueue_job,
        merchant_default_policy(),
        cards=card_processor,
        ach=ach_processor,
        autopay_days_before=int(os.environ.get("AUTOPAY_DAYS_BEFORE", "0")),
    )
    metrics.add_metric(name="RemindersQueued", unit=MetricUnit.Count, value=report.reminders)
    metrics.add_metric(name="LateFeesCharged", unit=MetricUnit.Count, value=len(report.fees_applied))
    if report.autopay:
        metrics.add_metric(name="AutopayCharges", unit=MetricUnit.Count, value=report.autopay["charges"])
        metrics.add_metric(name="AutopayDeclined", unit=MetricUnit.Count, value=report.autopay["declined"])
    return asdict(report)
