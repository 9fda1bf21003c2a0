"""What an operator relies on in template.yaml: every function, route, queue and table is watched, every alarm
says where its runbook is and that it recovered, every log group expires."""

import json
import re
from pathlib import Path

from infra import ops_template, template

ROOT = Path(__file__).resolve().parents[2]
TOPIC = [{"Ref": "AlarmTopic"}]


def _alarms() -> dict[str, dict]:
    return {name: r["Properties"] for name, r in template.resources("AWS::CloudWatch::Alarm").items()}


def _watched(alarm: dict) -> list[tuple[str, str, list]]:
    """(namespace, metric, dimensions) of every metric an alarm reads, plain or in metric math."""
    if "Metrics" in alarm:
        return [
            (
                m["MetricStat"]["Metric"]["Namespace"],
                m["MetricStat"]["Metric"]["MetricName"],
                m["MetricStat"]["Metric"]["Dimensions"],
            )
            for m in alarm["Metrics"]
            if "MetricStat" in m
        ]
    return [(alarm["Namespace"], alarm["MetricName"], alarm["Dimensions"])]


def _alarmed(namespace: str, metric: str, dimension: dict) -> list[str]:
    return [
        name
        for name, alarm in _alarms().items()
        if any(ns == namespace and m == metric and dimension in dims for ns, m, dims in _watched(alarm))
    ]


def test_the_committed_operations_block_is_what_the_generator_makes():
    text = template.TEMPLATE.read_text()
    assert ops_template.rewrite(text) == text, "run: .venv/bin/python -m infra.ops_template --write"


def test_every_function_has_error_and_throttle_alarms_and_a_log_group_that_expires():
    groups = {
        json.dumps(g["Properties"]["LogGroupName"]): g["Properties"]
        for g in template.resources("AWS::Logs::LogGroup").values()
        if "LogGroupName" in g["Properties"]
    }
    for name in template.resources("AWS::Serverless::Function"):
        dimension = {"Name": "FunctionName", "Value": {"Ref": name}}
        assert _alarmed("AWS/Lambda", "Errors", dimension), name
        assert _alarmed("AWS/Lambda", "Throttles", dimension), name
        group = groups[json.dumps({"Fn::Sub": "/aws/lambda/${%s}" % name})]  # the group Lambda writes to
        assert group["RetentionInDays"] == {"Ref": "LogRetentionDays"}, name


def test_every_log_group_has_a_retention():
    for name, group in template.resources("AWS::Logs::LogGroup").items():
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, name


def test_every_queue_has_an_age_alarm_and_every_dead_letter_queue_alarms_on_one_message():
    queues = template.resources("AWS::SQS::Queue")
    dead_letter = {
        q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        for q in queues.values()
        if "RedrivePolicy" in q["Properties"]
    }
    assert dead_letter and dead_letter < set(queues)
    for name in queues:
        dimension = {"Name": "QueueName", "Value": {"Fn::GetAtt": [name, "QueueName"]}}
        if name in dead_letter:
            [alarm] = _alarmed("AWS/SQS", "ApproximateNumberOfMessagesVisible", dimension)
            props = _alarms()[alarm]
            assert (props["Threshold"], props["ComparisonOperator"]) == (0, "GreaterThanThreshold")
        else:
            assert _alarmed("AWS/SQS", "ApproximateAgeOfOldestMessage", dimension), name


def test_every_table_alarms_on_throttling():
    for name in template.resources("AWS::DynamoDB::Table"):
        dimension = {"Name": "TableName", "Value": {"Ref": name}}
        assert _alarmed("AWS/DynamoDB", "ReadThrottleEvents", dimension), name
        assert _alarmed("AWS/DynamoDB", "WriteThrottleEvents", dimension), name


def test_every_table_alarms_on_system_errors_of_each_operation_the_functions_may_call():
    allowed = {
        action.split(":")[1]
        for fn in template.resources("AWS::Serverless::Function").values()
        for policy in fn["Properties"]["Policies"]
        for statement in policy["Statement"]
        for action in statement["Action"]
        if action.startswith("dynamodb:")
    }
    allowed.discard("ConditionCheckItem")  # only ever inside TransactWriteItems
    for name in template.resources("AWS::DynamoDB::Table"):
        [alarm] = [
            a
            for a in _alarms().values()
            if any(
                m == "SystemErrors" and {"Name": "TableName", "Value": {"Ref": name}} in dims
                for _, m, dims in _watched(a)
            )
        ]
        operations = {d["Value"] for _, _, dims in _watched(alarm) for d in dims if d["Name"] == "Operation"}
        assert allowed | {"TransactWriteItems"} <= operations, name


def test_every_route_has_a_5xx_rate_and_a_p99_latency_alarm():
    props = template.resources("AWS::Serverless::HttpApi")["PortalApi"]["Properties"]
    assert props["DefaultRouteSettings"]["DetailedMetricsEnabled"] is True  # per-route metrics exist only then
    for route in template.http_routes():
        # An HTTP API's route metrics carry the route's method and path as Method and Resource.
        method, resource = ({"Name": "Method", "Value": route["method"]}, {"Name": "Resource", "Value": route["path"]})
        errors = set(_alarmed("AWS/ApiGateway", "5xx", method)) & set(_alarmed("AWS/ApiGateway", "5xx", resource))
        assert errors, route
        [latency] = set(_alarmed("AWS/ApiGateway", "Latency", method)) & set(
            _alarmed("AWS/ApiGateway", "Latency", resource)
        )
        assert _alarms()[latency]["ExtendedStatistic"] == "p99"


def test_every_alarm_notifies_when_it_fires_and_when_it_recovers_and_links_an_existing_runbook():
    alarms = _alarms()
    assert len(alarms) > 100
    names = set()
    for name, alarm in alarms.items():
        assert alarm["AlarmActions"] == TOPIC and alarm["OKActions"] == TOPIC, name
        names.add(alarm["AlarmName"]["Fn::Sub"])
        description = json.dumps(alarm["AlarmDescription"])
        [runbook] = re.findall(r"/(docs/runbooks/[a-z0-9-]+\.md)", description)
        assert (ROOT / runbook).is_file(), (name, runbook)
        assert "Runbook: " in description, name
    assert len(names) == len(alarms)  # a clear, unique name each


def test_every_runbook_has_the_four_parts_and_is_used():
    used = {
        m
        for a in _alarms().values()
        for m in re.findall(r"docs/runbooks/([a-z0-9-]+)\.md", json.dumps(a["AlarmDescription"]))
    }
    books = {p.stem: p.read_text() for p in (ROOT / "docs" / "runbooks").glob("*.md") if p.stem != "README"}
    assert set(books) == used
    for name, text in books.items():
        for heading in ("## What it means", "## How to look", "## What to do", "## How to confirm it is fixed"):
            assert heading in text, (name, heading)
        assert "```" in text and ("fields" in text or "aws " in text), name  # a query or command to paste


def test_custom_metric_alarms_watch_metrics_the_code_publishes():
    code = "\n".join(p.read_text() for d in ("shared", "functions") for p in (ROOT / d).rglob("*.py"))
    env = template.load()["Globals"]["Function"]["Environment"]["Variables"]
    for name, alarm in _alarms().items():
        for namespace, metric, dims in _watched(alarm):
            if namespace == env["POWERTOOLS_METRICS_NAMESPACE"]:
                assert f'"{metric}"' in code, (name, metric)
                assert dims == [{"Name": "service", "Value": env["POWERTOOLS_SERVICE_NAME"]}], name


def test_the_dashboard_shows_the_payment_lifecycle_webhook_lag_queues_and_errors():
    [dashboard] = template.resources("AWS::CloudWatch::Dashboard").values()
    body = json.loads(dashboard["Properties"]["DashboardBody"]["Fn::Sub"])
    metrics = {m[1] for w in body["widgets"] for m in w["properties"]["metrics"]}
    for wanted in (
        "PaymentStarted",
        "Payment_succeeded",
        "Payment_failed",
        "Payment_refunded",
        "Payment_disputed",
        "WebhookLag_stripe",
        "WebhookLag_ach",
        "ApproximateNumberOfMessagesVisible",
        "Errors",
        "5xx",
    ):
        assert wanted in metrics, wanted
    code = "\n".join(p.read_text() for d in ("shared", "functions") for p in (ROOT / d).rglob("*.py"))
    assert "WebhookLag_" in code and "Payment_" in code and '"PaymentStarted"' in code
