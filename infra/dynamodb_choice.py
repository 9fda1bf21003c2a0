"""Which DynamoDB the tests, `make local` and the benchmarks use: `DYNAMODB=local` (the default), AWS's own
DynamoDB Local (infra/dynamodb_local.py, on Java 17), or `DYNAMODB=moto`, moto's reimplementation served by the
moto server the stack runs anyway (infra/moto_server.py), for a machine without Java. What passes on moto is
not proof for DynamoDB: moto accepts requests DynamoDB refuses (docs/dynamodb-local-setup.md lists those the
suite tests, which are skipped on moto) and never answers TransactionConflict."""

import os

CHOICES = ("local", "moto")


class DynamoDBChoiceError(ValueError):
    pass


def chosen() -> str:
    value = os.environ.get("DYNAMODB", "local") or "local"
    if value not in CHOICES:
        raise DynamoDBChoiceError(
            f"DYNAMODB={value!r}: choose one of {', '.join(CHOICES)} (local is AWS's DynamoDB "
            "Local on Java 17; moto is for a machine without Java)"
        )
    return value


def on_moto() -> bool:
    return chosen() == "moto"
