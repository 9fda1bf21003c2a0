"""One PynamoDB connection (one botocore session and one DynamoDB client) for every table.

PynamoDB gives each model class its own Connection, and each Connection makes its own botocore session and
client: reading an invoice and its payments cost two sessions and two parses of DynamoDB's service model on
a cold start. Every model's table connection is pointed at this one Connection instead (shared/aws/models.py),
whose session is the process's (shared/aws/clients.py); transactions use it too (shared/aws/store.py).

DynamoDB rejects a request that meets a transaction in flight on one of its items (the developer guide's
"Transaction conflict handling in DynamoDB"): a PutItem, UpdateItem or DeleteItem with TransactionConflictException,
a TransactGetItems cancelled with reason TransactionConflict. Neither is a failed condition, nothing was done, and
botocore retries neither: this client makes such a request again, up to CONFLICT_RETRIES times, a few tens of
milliseconds apart. A TransactWriteItems cancelled so is left to the services, which decide again on fresh data
(shared/store.lost_race). DynamoDB Local runs one request at a time and never answers either (README, "DynamoDB
Local"); tests/integration/test_transaction_conflicts.py gives DynamoDB's answer.
"""

import os
from functools import cache

from pynamodb.connection import Connection

from shared.aws import clients as aws


class SharedSessionConnection(Connection):
    """A PynamoDB Connection on the process's botocore session, its client made under the process's lock."""

    @property
    def session(self):
        return aws.session()

    @property
    def client(self):
        with aws.creating_clients():
            client = super().client
            if not getattr(client, "_retries_conflicts", False):  # PynamoDB makes a new one without credentials
                # A needs-retry handler answers the delay (botocore-stubs say None), and the mark is our own.
                client.meta.events.register("needs-retry.dynamodb", retry_conflicts)  # type: ignore[arg-type]
                client._retries_conflicts = True  # type: ignore[attr-defined]
            return client

    def get_meta_table(self, table_name: str):
        """A table's key schema comes from its model. A raw request (the journal's Query, which reads an invoice and
        its entries at once) may be a new container's first use of a table: then ask the model for it, instead of
        PynamoDB's TableError (a 500 on every new container's first GET /invoices/{id})."""
        if table_name not in self._tables:
            from shared.aws.models import register_table

            register_table(table_name)
        return super().get_meta_table(table_name)


CONFLICT_RETRIES = 3
_SINGLE_ITEM_WRITES = ("PutItem", "UpdateItem", "DeleteItem")


def retry_conflicts(response, operation, attempts, **_) -> float | None:
    """botocore's needs-retry hook: seconds to wait before trying a request DynamoDB rejected for a transaction in
    flight again, or None (botocore's own retry rules then decide)."""
    if response is None or attempts > CONFLICT_RETRIES:
        return None
    error = response[1].get("Error", {})
    if error.get("Code") == "TransactionConflictException" and operation.name in _SINGLE_ITEM_WRITES:
        return 0.025 * 2 ** (attempts - 1)
    reasons = [r.get("Code") for r in response[1].get("CancellationReasons") or []]
    if (
        operation.name == "TransactGetItems"
        and "TransactionConflict" in reasons
        and set(reasons) <= {"TransactionConflict", "None"}
    ):
        return 0.025 * 2 ** (attempts - 1)
    return None


@cache
def connection() -> SharedSessionConnection:
    return SharedSessionConnection(region=aws.region(), host=os.environ.get("DYNAMODB_ENDPOINT_URL") or None)
