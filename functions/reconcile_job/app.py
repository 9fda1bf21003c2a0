"""Hourly schedule: payments stuck in pending/processing are checked against the processor and what it says is
applied through the webhook's code path (see shared/services/reconciliation.py); then bank accounts waiting for
verification and pending ACH refunds (shared/services/ach_reconciliation.py)."""

import os
from dataclasses import asdict
from datetime import timedelta

from aws_lambda_powertools.metrics import MetricUnit

from shared import coldstart
from shared.aws.notify import enqueue_job
from shared.domain import clock
from shared.http.web import logger, metrics, tracer
from shared.processors.factory import ach_processor, card_processor
from shared.services import ach_reconciliation
from shared.services.reconciliation import run

coldstart.prime()  # at a SnapStart init: what its first run would load

DEFAULT_MINUTES = 60
STOP_WITH_MS_LEFT = 20_000  # stop taking new payments well before the Lambda timeout (one payment < 20 s)


def older_than() -> timedelta:
    raw = os.environ.get("RECONCILE_AFTER_MINUTES", "")
    try:
        minutes = int(raw) if raw.strip() else DEFAULT_MINUTES
    except ValueError:
        logger.warning(
            "RECONCILE_AFTER_MINUTES is not a whole number: using the default",
            extra={"value": raw, "default": DEFAULT_MINUTES},
        )
        minutes = DEFAULT_MINUTES
    return timedelta(minutes=max(minutes, 1))


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context):
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    should_stop = (lambda: remaining() < STOP_WITH_MS_LEFT) if remaining else None
    report = run(
        clock.now(),
        cards=card_processor(),
        ach=ach_processor(),
        enqueue=enqueue_job,
        older_than=older_than(),
        should_stop=should_stop,
    )
    accounts = ach_reconciliation.run(clock.now(), ach_processor(), enqueue_job, older_than(), should_stop)
    metrics.add_metric(
        name="PaymentsReconciled", unit=MetricUnit.Count, value=sum(report.applied.values()) + report.transfers_recorded
    )
    metrics.add_metric(
        name="AchAccountsReconciled", unit=MetricUnit.Count, value=accounts.banks_updated + accounts.refunds_applied
    )
    metrics.add_metric(
        name="ReconcileProcessorErrors",
        unit=MetricUnit.Count,
        value=report.processor_errors + report.errors + accounts.processor_errors + accounts.errors,
    )
    metrics.add_metric(name="UnrecordedPayment", unit=MetricUnit.Count, value=report.unrecorded_succeeded)
    if report.anomalies:  # the same alarm as the webhooks' overpayments
        metrics.add_metric(name="PaymentAnomaly", unit=MetricUnit.Count, value=report.anomalies)
    if report.drift:  # counters that no longer match their entries: a person must look (nothing is rewritten)
        metrics.add_metric(name="LedgerDrift", unit=MetricUnit.Count, value=len(report.drift))
    if report.needs_attention or accounts.needs_attention:
        metrics.add_metric(
            name="ReconcileNeedsAttention",
            unit=MetricUnit.Count,
            value=report.needs_attention + accounts.needs_attention,
        )
    return asdict(report) | {"ach_accounts": asdict(accounts)}
