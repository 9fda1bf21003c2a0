"""Cold start: what a function does before its first request, and what it leaves to the request that needs it.

Lambda names the kind of init in AWS_LAMBDA_INITIALIZATION_TYPE. The template turns SnapStart on: init runs once
when a version is published (`snap-start`) and every new instance resumes from the snapshot taken after it, so no
request waits for it (nor for a `provisioned-concurrency` init). At such an init `prime()` (called once the handler
is built: shared/web.lambda_entry, shared/sqs_entry, the scheduled jobs) loads into the snapshot what a first
request would otherwise load or read: the Stripe SDK with every class a card request uses, the modules imported
where they are used (below), and botocore's data for each client the functions make. It makes no client, key or
connection: those come on first use, after restore.

At an on-demand init (SnapStart off: the local stack, a deployment without it) a request waits, so a function
leaves to the request that needs it only what saves its cold start 0.05x of the floor or more, measured
(docs/benchmarks.md, "Cold start, one owner"): the Stripe SDK (`card_processor()`) and its `requests` and
`asyncio` (deferred_modules.py), Powertools' package __init__s (powertools_packages.py), reconciliation in a
payment read, autopay in the saved-method routes, the Stripe webhook's dispute, refund and saved-card use cases,
the notice worker's senders other than the receipt's. Everything else is imported at the top of the module that uses it.
"""

import os

_AHEAD_OF_REQUESTS = {"snap-start", "provisioned-concurrency"}

# The clients of shared/aws/dynamodb.py, secrets.py, notify.py and ach_event_queue.py (SSM's, for the card fee switch in
# shared/domain/surcharges.py, reads its data on first use, as it always did).
CLIENT_SERVICES = ("dynamodb", "secretsmanager", "sqs", "ses")


def ahead_of_requests() -> bool:
    """True when no request waits for this init: work done now costs no cold start."""
    return os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") in _AHEAD_OF_REQUESTS


def prime() -> None:
    """At an init no request waits for, load and read now what a resumed instance's first request would; at an
    on-demand init nothing."""
    if not ahead_of_requests():
        return
    from shared.aws import secrets  # noqa: F401  (each processor's key is a secret)

    # Imported where they are used, so that on demand a request that does not need them does not load them (each
    # saves 0.05x of the floor or more: docs/benchmarks.md); here, into the snapshot.
    from shared.processors import refunds as refund_port  # noqa: F401  (the Stripe webhook: a fraud warning's refund)
    from shared.processors import stripe_cards, stripe_sdk  # noqa: F401  (the card adapter: into the snapshot)
    from shared.services import (  # noqa: F401
        account_notices,  # notice worker
        ach_account_notices,
        autopay,  # saved_methods: the method autopay charges removed (also breaks an import circle)
        autopay_notices,
        disputes,  # the Stripe webhook; reconciliation: a stale payment's read
        invoice_notices,
        money_back_notices,
        problem_reports,
        reconciliation,
        refunds,
        saved_methods,
    )

    stripe_sdk.load_request_classes()
    read_client_data(*CLIENT_SERVICES)


def read_client_data(*services: str) -> None:
    """Read the data botocore needs to make these services' clients into the session's loader cache: the
    endpoints and partitions (about 25 ms, read by a process's first client), then each service's model and
    endpoint rules (DynamoDB's model about 10 ms). The request that makes the client then reads no file. Data
    only: no client, credential or connection is made."""
    from shared.aws import clients as aws

    with aws.creating_clients():
        shared = aws.session()
        shared.get_component("endpoint_resolver")
        loader = shared.get_component("data_loader")
        loader.load_data("partitions")
        for service in services:
            for kind in ("service-2", "endpoint-rule-set-1"):
                loader.load_service_model(service, kind)
