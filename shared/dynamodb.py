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


@cache
def connection() -> SharedSessionConnection:
    return SharedSessionConnection(region=aws.region(), host=os.environ.get("DYNAMODB_ENDPOINT_URL") or None)
