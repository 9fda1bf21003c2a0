"""One PynamoDB connection (one botocore session and one DynamoDB client) for every table.

PynamoDB gives each model class its own Connection, and each Connection makes its own botocore session and
client: reading an invoice and its payments cost two sessions and two parses of DynamoDB's service model on
a cold start. Every model's table connection is pointed at this one Connection instead (shared/models.py),
whose session is the process's (shared/aws.py); transactions use it too (shared/store.py).
"""

import os
from functools import cache

from pynamodb.connection import Connection

from shared import aws

aws.prime_models("dynamodb")


class SharedSessionConnection(Connection):
    """A PynamoDB Connection on the process's botocore session, its client made under the process's lock."""

    @property
    def session(self):
        return aws.session()

    @property
    def client(self):
        with aws.creating_clients():
            return super().client

    def get_meta_table(self, table_name: str):
        """A table's key schema comes from its model. A raw request (the journal's Query, which reads an invoice and
        its entries at once) may be a new container's first use of a table: then ask the model for it, instead of
        PynamoDB's TableError (a 500 on every new container's first GET /invoices/{id})."""
        if table_name not in self._tables:
            from shared.models import register_table

            register_table(table_name)
        return super().get_meta_table(table_name)


@cache
def connection() -> SharedSessionConnection:
    return SharedSessionConnection(region=aws.region(), host=os.environ.get("DYNAMODB_ENDPOINT_URL") or None)
