"""Schemathesis against the local stack, as a signed-in demo client (portal routes) and the merchant admin
(/admin routes): every operation of docs/openapi.json with generated valid and invalid requests, then stateful
sequences along the document's links (create, then read, then change or delete). Checks on every answer: no 5xx,
a documented status, content type and headers, a body matching the schema, and invalid input refused. The other
demo client's data must not change. Derandomized, so every run sends the same requests."""

import os
import time
from collections import Counter

import boto3
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, negative_data_rejection,
                                               response_headers_conformance, response_schema_conformance,
                                               status_code_conformance)

from infra import openapi
from infra.demo import login
from infra.local_stack import ADMIN_LOGIN
from tests.e2e.test_local_stack import stack_in

# About 45 s on a quiet machine; several suites on this machine at once took it past the default 120 s.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
# Per operation and mode; with the stateful runs, about 700 requests in ~40 s on a quiet machine.
EXAMPLES = {GenerationMode.POSITIVE: int(os.environ.get("FUZZ_EXAMPLES", 12)),
            GenerationMode.NEGATIVE: int(os.environ.get("FUZZ_EXAMPLES", 12)) // 2}
STATEFUL_EXAMPLES = int(os.environ.get("FUZZ_STATEFUL_EXAMPLES", 15))


def _settings(max_examples: int, **extra) -> settings:
    return settings(max_examples=max_examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate], **extra)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with stack_in(tmp_path_factory.mktemp("fuzz")) as stack:
        yield stack


def other_clients_items(stack: dict, client_id: str) -> dict:
    """Every item of every table that belongs to `client_id`."""
    dynamodb = boto3.client("dynamodb", endpoint_url=stack["aws_endpoint_url"], region_name=stack["region"],
                            aws_access_key_id="local", aws_secret_access_key="local")
    items = {}
    for table in sorted(dynamodb.list_tables()["TableNames"]):
        scanned = dynamodb.scan(TableName=table, ConsistentRead=True)["Items"]
        items[table] = sorted(str(i) for i in scanned if i.get("client_id") == {"S": client_id})
    return items


def test_fuzzing_every_route_finds_nothing_undocumented(stack):
    client, other = stack["demo_users"][0], stack["demo_users"][1]
    tokens = {"client": login(stack, client["email"], client["password"]),
              "admin": login(stack, ADMIN_LOGIN, client["password"])}
    session = requests.Session()
    session.trust_env = False

    def call_kwargs(case) -> dict:
        role = "admin" if case.operation.path.startswith("/admin/") else "client"
        return {"base_url": stack["api_url"], "session": session, "timeout": 30,
                "headers": {"Authorization": f"Bearer {tokens[role]}"}}

    schema = schemathesis.openapi.from_dict(openapi.build(stack["api_url"]))
    before = other_clients_items(stack, other["client_id"])
    cases, statuses, started = Counter(), Counter(), time.monotonic()

    for result in schema.get_all_operations():
        operation = result.ok()
        for mode, examples in EXAMPLES.items():
            checks = CHECKS + ([negative_data_rejection] if mode == GenerationMode.NEGATIVE else [])

            @_settings(examples)
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case):
                response = case.call(**call_kwargs(case))
                cases[mode.value] += 1
                statuses[response.status_code] += 1
                case.validate_response(response, checks=checks)

            try:
                run()
            except Unsatisfiable:  # nothing to make invalid (e.g. no parameters and no body)
                assert mode == GenerationMode.NEGATIVE, operation.label

    class Workflow(schema.as_state_machine()):
        def get_call_kwargs(self, case):
            return call_kwargs(case)

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            cases["stateful"] += 1
            statuses[response.status_code] += 1
            case.validate_response(response, checks=CHECKS)

    Workflow.run(settings=_settings(STATEFUL_EXAMPLES, stateful_step_count=6))

    elapsed = time.monotonic() - started
    print(f"\nschemathesis: {sum(cases.values())} requests ({dict(cases)}) in {elapsed:.0f} s; "
          f"statuses {dict(sorted(statuses.items()))}")
    assert other_clients_items(stack, other["client_id"]) == before
    assert cases["stateful"] > 0 and statuses[201] > 0  # the sequences reached the creating routes
