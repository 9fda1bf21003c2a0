"""Cold start: what a function does before its first request, and the one thing it leaves to a request.

Lambda names the kind of init in AWS_LAMBDA_INITIALIZATION_TYPE. The template turns SnapStart on: init runs once
when a version is published (`snap-start`) and every new instance resumes from the snapshot taken after it, so no
request waits for it (nor for a `provisioned-concurrency` init). At such an init `prime()` (called once the handler
is built: shared/web.lambda_entry, shared/sqs_entry, the scheduled jobs) loads into the snapshot what a first
request would otherwise load or read: the Stripe SDK with every class a card request uses, and botocore's data for
each client the functions make. It makes no client, key or connection: those come on first use, after restore.

At an on-demand init (SnapStart off: the local stack, a deployment without it) a request waits, and only what the
bench shows is worth leaving out is left out (docs/benchmarks.md, "Cold-start tricks weighed"): the Stripe SDK,
imported by `card_processor()` on the first request that calls Stripe, and its imports of `requests` and `asyncio`,
which no request of ours uses (shared/processors/stripe_sdk.py). Everything else is imported where it is used.
"""

import os

_AHEAD_OF_REQUESTS = {"snap-start", "provisioned-concurrency"}

# Every AWS service a function makes a client of (shared/dynamodb.py, secrets.py, notify.py, ach_event_queue.py).
CLIENT_SERVICES = ("dynamodb", "secretsmanager", "sqs", "ses")


def ahead_of_requests() -> bool:
    """True when no request waits for this init: work done now costs no cold start."""
    return os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") in _AHEAD_OF_REQUESTS


def prime() -> None:
    """At an init no request waits for, load and read now what a resumed instance's first request would; at an
    on-demand init nothing."""
    if not ahead_of_requests():
        return
    from shared import secrets  # noqa: F401  (each processor's key is a secret)
    from shared.processors import stripe_cards, stripe_sdk  # noqa: F401  (the card adapter: into the snapshot)
    # Imported where they are used, so a request that does not need them does not load them: here, into the snapshot.
    from shared.services import autopay  # noqa: F401  (saved_methods: a removed method autopay charged)
    from shared.services import reconciliation  # noqa: F401  (payment_checks: a payment waiting too long)

    stripe_sdk.load_request_classes()
    read_client_data(*CLIENT_SERVICES)


def read_client_data(*services: str) -> None:
    """Read the data botocore needs to make these services' clients into the session's loader cache: the
    endpoints and partitions (about 25 ms, read by a process's first client), then each service's model and
    endpoint rules (DynamoDB's model about 10 ms). The request that makes the client then reads no file. Data
    only: no client, credential or connection is made."""
    from shared import aws

    with aws.creating_clients():
        shared = aws.session()
        shared.get_component("endpoint_resolver")
        loader = shared.get_component("data_loader")
        loader.load_data("partitions")
        for service in services:
            for kind in ("service-2", "endpoint-rule-set-1"):
                loader.load_service_model(service, kind)
