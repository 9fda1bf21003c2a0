"""Every AWS client a function makes comes from one botocore session (shared/aws/clients.py): a second session parses
a service's model again on the cold start (bench/cold_start.py measured 1.68x -> 1.30x the floor for
GET /invoices/{id}, which reads two tables)."""

import pytest

from shared.aws import clients as aws
from shared.aws import models, notify, secrets, store
from shared.http.errors import SecretNotConfigured


def test_every_table_goes_through_one_connection_and_one_client(dynamodb):
    # dynamodb: the process keeps this client, so it must be made with the tests' endpoint in place
    tables = [
        models.Client,
        models.Invoice,
        models.Payment,
        models.SavedPaymentMethod,
        models.Refund,
        models.ProblemReport,
        models.ProcessedEvent,
    ]
    connections = {id(table._get_connection().connection) for table in tables}
    assert connections == {id(store.connection())}  # transactions use it too
    assert store.connection().session is aws.session()
    assert store.connection().client is store.connection().client  # made once, kept


def test_ses_sqs_and_secrets_manager_come_from_the_same_session(monkeypatch):
    made = []
    real = aws.session().create_client
    monkeypatch.setattr(aws.session(), "create_client", lambda *a, **k: made.append(a[0]) or real(*a, **k))
    notify._client.cache_clear()
    secrets._client.cache_clear()
    notify._client("ses")
    secrets._client()
    assert made == ["ses", "secretsmanager"]
    notify._client.cache_clear()
    secrets._client.cache_clear()


class _SecretsManager:
    """Secrets Manager's GetSecretValue, counted."""

    def __init__(self, value: str):
        self.value, self.reads = value, 0

    def get_secret_value(self, SecretId):  # botocore's parameter name
        self.reads += 1
        return {"ARN": SecretId, "SecretString": self.value}


def test_a_secret_is_read_once_per_five_minutes_and_again_after(monkeypatch):
    """shared/aws/secrets.py keeps a value MAX_AGE_SECONDS (what Powertools' parameters did with max_age=300, without
    its 70 modules and boto3 on every cold start that reads a secret)."""
    manager = _SecretsManager('{"api_key": "sk_test_1", "webhook_secret": "whsec_1"}')
    clock = [1000.0]
    monkeypatch.setattr(secrets, "_client", lambda: manager)
    monkeypatch.setattr(secrets.time, "monotonic", lambda: clock[0])
    monkeypatch.setenv("STRIPE_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:1:secret:stripe")
    secrets.forget_cached_values()

    assert secrets.stripe_secrets()["api_key"] == "sk_test_1"
    manager.value = '{"api_key": "sk_test_2", "webhook_secret": "whsec_2"}'  # rotated
    clock[0] += secrets.MAX_AGE_SECONDS - 1
    assert (secrets.stripe_secrets()["api_key"], manager.reads) == ("sk_test_1", 1)
    clock[0] += 1
    assert (secrets.stripe_secrets()["api_key"], manager.reads) == ("sk_test_2", 2)
    secrets.forget_cached_values()
    secrets.stripe_secrets()
    assert manager.reads == 3


@pytest.mark.parametrize(
    "value, missing",
    [
        ("not json", ["(the value is not JSON)"]),
        ('["a list"]', ["(the value is not a JSON object)"]),
        ('{"api_key": "unset", "webhook_secret": "whsec_1"}', ["api_key"]),
    ],
)
def test_a_secret_that_is_not_usable_is_refused_by_name(monkeypatch, value, missing):
    monkeypatch.setattr(secrets, "_client", lambda: _SecretsManager(value))
    monkeypatch.setenv("STRIPE_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:1:secret:stripe")
    secrets.forget_cached_values()
    with pytest.raises(SecretNotConfigured) as refused:
        secrets.stripe_secrets()
    assert (refused.value.secret, refused.value.fields) == ("StripeSecret", missing)
    secrets.forget_cached_values()
