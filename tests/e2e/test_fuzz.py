"""Schemathesis against the local stack, as a signed-in demo client (portal routes) and the merchant admin
(/admin routes): every operation of docs/openapi.json with generated valid and invalid requests, then stateful
sequences along the document's links (create, then read, then change or delete). Checks on every answer: no 5xx,
a documented status, content type and headers, a body matching the schema (a PDF answer must be a PDF pypdf
reads), and invalid input refused. Routes that read one of the client's own things by id (an invoice, its PDF
and activity, a payment, its receipt PDF) are fuzzed with its real ids too, so their answers beyond 404 are
checked.
The other demo client's data must not change. Derandomized, so every run sends the same requests."""

import io
import os
import time
from collections import Counter

import boto3
import pytest
import requests
import schemathesis
import schemathesis.specs.openapi.stateful as schemathesis_stateful
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from pypdf import PdfReader
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from infra import openapi, template
from infra.demo import login
from infra.local_stack import ADMIN_LOGIN
from tests.e2e.test_local_stack import stack_in

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]  # the stack's start and ~700 requests
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Per operation and mode; with the stateful runs, about 700 requests in ~40 s on a quiet machine.
EXAMPLES = {
    GenerationMode.POSITIVE: int(os.environ.get("FUZZ_EXAMPLES", 12)),
    GenerationMode.NEGATIVE: int(os.environ.get("FUZZ_EXAMPLES", 12)) // 2,
}
# Stateful sequences: each follows the document's links from one answer to the next request. What a sequence
# reaches after its first steps depends on the stack's answers, and some of those depend on time (a billing
# email changed less than a minute ago: 429; a bank linked again too soon: 409), so on a loaded machine the same
# derandomized sequences can end elsewhere. The assertion below asks what must hold whatever the timing: some
# sequence followed a link to a real resource (an id taken from an answer, then a 2xx on the route naming it).
STATEFUL_EXAMPLES = int(os.environ.get("FUZZ_STATEFUL_EXAMPLES", 20))
# Fuzzed with the signed-in client's own ids as well as generated ones: (method, path) -> which list of ids.
OWN_IDS = {
    ("GET", "/invoices/{invoice_id}"): "invoice_id",
    ("GET", "/invoices/{invoice_id}/pdf"): "invoice_id",
    ("GET", "/invoices/{invoice_id}/activity"): "invoice_id",
    ("GET", "/payments/{payment_id}"): "payment_id",
    ("GET", "/payments/{payment_id}/receipt.pdf"): "payment_id",
}


@schemathesis.deserializer("application/pdf")
def pdf_text(_ctx, response) -> str:
    """An application/pdf answer (documented as a string) is a PDF: its pages' text, or the error pypdf raises
    (Schemathesis reports it) for anything else."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content), strict=True).pages)


def _settings(max_examples: int, **extra) -> settings:
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
        **extra,
    )


class _TrackedRandoms:
    """hypothesis.strategies as Schemathesis's stateful module sees it, with `randoms()` always tracked by
    Hypothesis. Schemathesis 4.32.5 flips its "follow this link's value?" coins with `use_true_random=True`, out of
    Hypothesis's data: the same choices then lead to a path parameter from a link in one scenario and a generated
    one in the next, and Hypothesis stops the run with FlakyStrategyDefinition ("Inconsistent data generation"), at
    random, whatever the API answers. Upstream's fix makes exactly these coins tracked (schemathesis commit
    770ec731d, "Rare FlakyStrategyDefinition error in the stateful phase"); our links name no wildcard, the one
    case it keeps untracked. With it the stateful phase is derandomized as the rest: every run sends the same
    requests."""

    def __getattr__(self, name):
        return getattr(st, name)

    @staticmethod
    def randoms(**kwargs):
        return st.randoms(**{**kwargs, "use_true_random": False})


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with stack_in(tmp_path_factory.mktemp("fuzz")) as stack:
        yield stack


def other_clients_items(stack: dict, client_id: str) -> dict:
    """Every item of every table of the stack that belongs to `client_id`."""
    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=stack["dynamodb_endpoint_url"],
        region_name=stack["region"],
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    items = {}
    for table in sorted(stack["resources"][logical_id] for logical_id in template.resources("AWS::DynamoDB::Table")):
        scanned = dynamodb.scan(TableName=table, ConsistentRead=True)["Items"]
        items[table] = sorted(str(i) for i in scanned if i.get("client_id") == {"S": client_id})
    return items


def test_fuzzing_every_route_finds_nothing_undocumented(stack, monkeypatch):
    monkeypatch.setattr(schemathesis_stateful, "st", _TrackedRandoms())
    client, other = stack["demo_users"][0], stack["demo_users"][1]
    tokens = {
        "client": login(stack, client["email"], client["password"]),
        "admin": login(stack, ADMIN_LOGIN, client["password"]),
    }
    session = requests.Session()
    session.trust_env = False

    def auth_header(role: str) -> dict:
        return {"Authorization": f"Bearer {tokens[role]}"}

    def call_kwargs(case) -> dict:
        role = "admin" if case.operation.path.startswith("/admin/") else "client"
        return {"base_url": stack["api_url"], "session": session, "timeout": 30, "headers": auth_header(role)}

    schema = schemathesis.openapi.from_dict(openapi.build(stack["api_url"]))
    before = other_clients_items(stack, other["client_id"])
    cases, statuses, started = Counter(), Counter(), time.monotonic()
    by_operation: dict[str, Counter] = {}

    stateful_calls = Counter()

    def counted(kind: str, case, response) -> None:
        cases[kind] += 1
        if kind == "stateful":
            stateful_calls[f"{case.operation.label} {response.status_code}"] += 1
        statuses[response.status_code] += 1
        by_operation.setdefault(case.operation.label, Counter())[response.status_code] += 1

    own = {
        "invoice_id": sorted(
            i["invoice_id"]
            for i in session.get(f"{stack['api_url']}/invoices", headers=auth_header("client"), timeout=30).json()[
                "invoices"
            ]
        ),
        "payment_id": sorted(
            p["payment_id"]
            for p in session.get(f"{stack['api_url']}/payments", headers=auth_header("client"), timeout=30).json()[
                "payments"
            ]
        ),
    }
    for (method, path), name in OWN_IDS.items():
        operation = schema[path][method]

        @_settings(EXAMPLES[GenerationMode.POSITIVE])
        @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE), real_id=st.sampled_from(own[name]))
        def run_with_own_id(case, real_id):
            case.path_parameters = {**case.path_parameters, name: real_id}  # noqa: B023 (run in this iteration)
            response = case.call(**call_kwargs(case))
            counted("own ids", case, response)
            case.validate_response(response, checks=CHECKS)

        run_with_own_id()

    for result in schema.get_all_operations():
        operation = result.ok()
        for mode, examples in EXAMPLES.items():
            checks = CHECKS + ([negative_data_rejection] if mode == GenerationMode.NEGATIVE else [])

            @_settings(examples)
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case):
                response = case.call(**call_kwargs(case))
                counted(mode.value, case, response)  # noqa: B023 (run in this iteration)
                case.validate_response(response, checks=checks)  # noqa: B023

            try:
                run()
            except Unsatisfiable:  # nothing to make invalid (e.g. no parameters and no body)
                assert mode == GenerationMode.NEGATIVE, operation.label

    class Workflow(schema.as_state_machine()):
        def get_call_kwargs(self, case):
            return call_kwargs(case)

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            counted("stateful", case, response)
            case.validate_response(response, checks=CHECKS)

    Workflow.run(settings=_settings(STATEFUL_EXAMPLES, stateful_step_count=6))

    elapsed = time.monotonic() - started
    print(
        f"\nschemathesis: {sum(cases.values())} requests ({dict(cases)}) in {elapsed:.0f} s; "
        f"statuses {dict(sorted(statuses.items()))}"
    )
    for label in sorted(by_operation):
        print(f"  {label}: {dict(sorted(by_operation[label].items()))}")
    print(f"stateful: {dict(sorted(stateful_calls.items()))}")
    assert other_clients_items(stack, other["client_id"]) == before
    assert any("{" in call and call.rsplit(" ", 1)[1].startswith("2") for call in stateful_calls), stateful_calls
    assert sorted(by_operation) == sorted(r.ok().label for r in schema.get_all_operations())  # every one fuzzed
    for method, path in OWN_IDS:  # and these beyond their 404: a real PDF or page of activity, checked
        assert by_operation[f"{method} {path}"][200] > 0, by_operation[f"{method} {path}"]
