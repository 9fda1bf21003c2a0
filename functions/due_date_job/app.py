"""Daily schedule: due-date reminders, overdue notices and late fees (see shared/services/due_date_job.py)."""

from dataclasses import asdict

from aws_lambda_powertools.metrics import MetricUnit

from shared import clock
from shared.due_dates import merchant_default_policy
from shared.notify import enqueue_job
from shared.services.due_date_job import run
from shared.web import logger, metrics, tracer


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context):
    report = run(clock.today(), enqueue_job, merchant_default_policy())
    metrics.add_metric(name="RemindersQueued", unit=MetricUnit.Count, value=report.reminders)
    metrics.add_metric(name="LateFeesCharged", unit=MetricUnit.Count, value=len(report.fees_applied))
    return asdict(report)
