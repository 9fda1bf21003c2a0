"""Test session: one DynamoDB Local for the whole run (started by pytest-xdist's controller, or by the only
process), and in each worker moto in server mode (Cognito, SQS, SES, Secrets Manager), localstripe and the ACH
sandbox on 127.0.0.1, started once; every test that touches AWS gets the resources created from template.yaml,
empty. Each worker has a database of its own in the shared DynamoDB Local: its access key names it."""

import json
import os

# The xdist worker's id ("gw0", ...) is set before this file is imported; "main" without xdist.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")

# Before any project import: the models read their table names and region from the environment.
os.environ.update(
    {
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        # DynamoDB Local keeps a database per access key (letters and digits only): one per worker.
        "AWS_ACCESS_KEY_ID": f"testing{WORKER}",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "POWERTOOLS_TRACE_DISABLED": "1",
        "POWERTOOLS_SERVICE_NAME": "portal-payments-test",
        "POWERTOOLS_METRICS_NAMESPACE": "PortalPaymentsTest",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "CLIENTS_TABLE": "t-clients",
        "INVOICES_TABLE": "t-invoices",
        "PAYMENTS_TABLE": "t-payments",
        "EVENTS_TABLE": "t-events",
        "PAYMENT_METHODS_TABLE": "t-payment-methods",
        "REFUNDS_TABLE": "t-refunds",
        "PROBLEM_REPORTS_TABLE": "t-problem-reports",
        "MERCHANT_NAME": "Acme Bookkeeping",
        "SENDER_EMAIL": "billing@acme.test",
        "SUPPORT_EMAIL": "help@acme.test",
        "SUPPORT_PHONE": "+1 555 0100",
        "PORTAL_BASE_URL": "https://portal.acme.test",
        "MERCHANT_TIMEZONE": "America/New_York",
        "MERCHANT_EMAIL": "office@acme.test",
    }
)

import logging  # noqa: E402

import pytest  # noqa: E402
import requests  # noqa: E402

from infra import dynamodb_choice, template  # noqa: E402
from infra.ach_sandbox import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, AchSandbox  # noqa: E402
from infra.dynamodb_local import Client, DynamoDBError, DynamoDBLocal, Table, wait_for  # noqa: E402
from infra.fake_stripe import FakeStripe  # noqa: E402
from infra.moto_server import MotoServer  # noqa: E402

logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto server's access lines drown real failures

STRIPE_API_KEY = "sk_test_portal"
WEBHOOK_SECRET = "whsec_test_portal"
ACH_WEBHOOK_SECRET = "ach-webhook-secret-test"


# The files that take longest (tens of seconds each, one or a few tests) go to the workers first, so that no
# worker is left running one of them alone at the end (pytest-xdist `--dist loadfile --no-loadscope-reorder`
# hands files out in this order; its default order, most tests first, put these last).
LONGEST_FIRST = (
    "tests/e2e/test_portal_browser.py",
    "tests/e2e/test_fuzz.py",
    "tests/model/",
    "tests/e2e/",
    "tests/test_template.py",
)


def pytest_collection_modifyitems(items):
    def rank(item) -> int:
        path = item.nodeid.split("::")[0]
        return next((i for i, prefix in enumerate(LONGEST_FIRST) if path.startswith(prefix)), len(LONGEST_FIRST))

    items.sort(key=rank)  # stable: the order within a file, and of the other files, is kept


def pytest_configure(config):
    """The run's DynamoDB Local, started here without waiting (its JVM starts while the workers start and collect):
    in xdist's controller, whose environment the workers inherit, or in the only process."""
    if hasattr(config, "workerinput") or os.environ.get("AWS_ENDPOINT_URL_DYNAMODB") or dynamodb_choice.on_moto():
        return  # a worker, a DynamoDB given from outside, or moto's (each worker's moto server: DYNAMODB=moto)
    server = config.stash[_DYNAMODB_LOCAL] = DynamoDBLocal(shared_db=False).start(wait=False)
    os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = server.url


def pytest_unconfigure(config):
    server = config.stash.get(_DYNAMODB_LOCAL, None)
    if server:
        server.stop()


_DYNAMODB_LOCAL = pytest.StashKey[DynamoDBLocal]()


@pytest.fixture(scope="session")
def dynamodb(pytestconfig, request):
    """The run's DynamoDB Local (or, with DYNAMODB=moto, this worker's moto server), with this worker's tables
    created from template.yaml: {"url", "client" (a botocore-free infra.dynamodb_local.Client), "tables" ({table
    name: infra.dynamodb_local.Table}), "names" ({logical id: table name})}."""
    if dynamodb_choice.on_moto():
        os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = request.getfixturevalue("moto").url
    server = pytestconfig.stash.get(_DYNAMODB_LOCAL, None)
    url = os.environ["AWS_ENDPOINT_URL_DYNAMODB"]
    server.wait_ready() if server else wait_for(url)  # the controller's: the workers only know its URL
    client = Client(url, access_key=os.environ["AWS_ACCESS_KEY_ID"])
    names = {logical_id: os.environ[env] for logical_id, env in template.table_env_vars().items()}
    _create_tables(client, names)
    ttl = dict(template.ttl_settings(names))
    tables = {
        create["TableName"]: Table(
            create["TableName"],
            [k["AttributeName"] for k in create["KeySchema"]],
            create,
            ttl.get(create["TableName"]),
        )
        for create in template.create_table_requests(names)
    }
    return {"url": url, "client": client, "tables": tables, "names": names}


def _create_tables(client: Client, names: dict[str, str]) -> None:
    for request in template.create_table_requests(names):
        try:
            client.call("DeleteTable", {"TableName": request["TableName"]})  # a DynamoDB given from outside
        except DynamoDBError:
            pass
    from tests.helpers import aws_client

    template.create_tables(aws_client("dynamodb"), names)


@pytest.fixture(scope="session")
def moto():
    """moto in server mode, for every AWS service but DynamoDB (DYNAMODB=moto: DynamoDB too; infra/moto_server.py)."""
    server = MotoServer(serve_dynamodb=dynamodb_choice.on_moto()).start()
    os.environ["AWS_ENDPOINT_URL"] = server.url
    yield server
    server.stop()


@pytest.fixture(scope="session")
def moto_server(moto):
    """The moto server's URL."""
    return moto.url


@pytest.fixture(scope="session")
def fake_stripe():
    stripe_server = FakeStripe().start()
    os.environ["STRIPE_API_BASE"] = stripe_server.url
    yield stripe_server
    stripe_server.stop()


@pytest.fixture(scope="session")
def ach_sandbox():
    """The ACH processor sandbox; transfers settle only when a test asks (POST /sandbox-simulations)."""
    sandbox = AchSandbox(port=0, settle_seconds=-1, webhook_retry_seconds=0.05).start()
    os.environ["ACH_API_BASE"] = sandbox.url
    yield sandbox
    sandbox.stop()


@pytest.fixture
def aws(dynamodb, moto, moto_server, fake_stripe, ach_sandbox):
    """AWS resources from the template for one test, empty: tables, receipt and ACH event queues, secrets, SES
    sender. They are created once and emptied for each next test (the tables on DynamoDB Local; the rest in
    moto: infra/moto_server.py, clear_data), or, in moto, created again after a test that may have changed one
    (an ops script rotating a secret, a new queue...)."""
    requests.delete(f"{fake_stripe.url}/_config/shim/data", timeout=10)
    if not moto.clear_data():
        _RESOURCES.update(_create_resources(moto_server))
        moto.resources_ready()
        if dynamodb_choice.on_moto():  # moto's reset took its tables too
            _create_tables(dynamodb["client"], dynamodb["names"])
    dynamodb["client"].empty(dynamodb["tables"])
    os.environ.update(_RESOURCES["env"])
    ach_sandbox.reset()
    from shared.processors.factory import forget_processors

    forget_processors()
    from shared.aws import secrets
    from shared.domain import surcharges

    secrets.forget_cached_values()
    surcharges.forget_switch()
    yield {"moto": moto_server, "stripe": fake_stripe, "ach": ach_sandbox, **_RESOURCES["queues"]}


_RESOURCES: dict = {}


def _create_resources(moto_url: str) -> dict:
    from tests.helpers import aws_client

    requests.post(f"{moto_url}/moto-api/reset", timeout=10)
    sqs = aws_client("sqs")
    dlq = sqs.create_queue(QueueName="receipts-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    queue = sqs.create_queue(
        QueueName="receipts",
        Attributes={"RedrivePolicy": f'{{"deadLetterTargetArn": "{dlq_arn}", "maxReceiveCount": "5"}}'},
    )["QueueUrl"]
    # The ACH event queue redrives as the template's does; a failed message is visible again at once here.
    redrive = template.resources("AWS::SQS::Queue")["AchEventQueue"]["Properties"]["RedrivePolicy"]
    ach_dlq = sqs.create_queue(QueueName="ach-events-dlq")["QueueUrl"]
    ach_dlq_arn = sqs.get_queue_attributes(QueueUrl=ach_dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    ach_redrive = {"deadLetterTargetArn": ach_dlq_arn, "maxReceiveCount": str(redrive["maxReceiveCount"])}
    ach_queue = sqs.create_queue(
        QueueName="ach-events", Attributes={"VisibilityTimeout": "0", "RedrivePolicy": json.dumps(ach_redrive)}
    )["QueueUrl"]
    secret = aws_client("secretsmanager").create_secret(
        Name="stripe", SecretString=f'{{"api_key": "{STRIPE_API_KEY}", "webhook_secret": "{WEBHOOK_SECRET}"}}'
    )
    ach_secret = aws_client("secretsmanager").create_secret(
        Name="ach",
        SecretString=json.dumps(
            {
                "client_id": DEFAULT_CLIENT_ID,
                "client_secret": DEFAULT_CLIENT_SECRET,
                "webhook_secret": ACH_WEBHOOK_SECRET,
            }
        ),
    )
    aws_client("ses").verify_email_identity(EmailAddress=os.environ["SENDER_EMAIL"])
    switch = template.resources("AWS::SSM::Parameter")["CardFeeSwitch"]["Properties"]
    aws_client("ssm").put_parameter(Name="/test/card-fee", Type=switch["Type"], Value=switch["Value"])
    return {
        "env": {
            "RECEIPT_QUEUE_URL": queue,
            "ACH_EVENT_QUEUE_URL": ach_queue,
            "STRIPE_SECRET_ARN": secret["ARN"],
            "ACH_SECRET_ARN": ach_secret["ARN"],
            "CARD_FEE_SWITCH": "/test/card-fee",
        },
        "queues": {"receipt_queue": queue, "receipt_dlq": dlq, "ach_event_queue": ach_queue, "ach_event_dlq": ach_dlq},
    }
