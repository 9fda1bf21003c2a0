"""Every AWS client a function makes comes from one botocore session (shared/aws.py): a second session parses
a service's model again on the cold start (bench/cold_start.py measured 1.68x -> 1.30x the floor for
GET /invoices/{id}, which reads two tables)."""

from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.parameters.base import DEFAULT_PROVIDERS

from shared import aws, models, notify, secrets, store


def test_every_table_goes_through_one_connection_and_one_client():
    tables = [models.Client, models.Invoice, models.Payment, models.SavedPaymentMethod, models.Refund,
              models.ProblemReport, models.ProcessedEvent]
    connections = {id(table._get_connection().connection) for table in tables}
    assert connections == {id(store.connection())}  # transactions use it too
    assert store.connection().session is aws.session()
    assert store.connection().client is store.connection().client  # made once, kept


def test_ses_sqs_and_secrets_manager_come_from_the_same_session(monkeypatch):
    made = []
    real = aws.session().create_client
    monkeypatch.setattr(aws.session(), "create_client", lambda *a, **k: made.append(a[0]) or real(*a, **k))
    notify._client.cache_clear()
    notify._client("ses")
    parameters.clear_caches()
    secrets._use_the_shared_session()
    assert made == ["ses", "secretsmanager"]
    assert DEFAULT_PROVIDERS["secrets"].client.meta.service_model.service_name == "secretsmanager"
    notify._client.cache_clear()
    parameters.clear_caches()
