"""docs/openapi.json is generated from the code (infra/openapi.py); this keeps the committed copy current.
Refresh it with: .venv/bin/python -m infra.openapi --write"""

import json
import re

from infra import openapi, template


def test_committed_openapi_equals_the_generated_document():
    assert openapi.COMMITTED.read_text() == openapi.render(openapi.build()), (
        "docs/openapi.json is stale: run .venv/bin/python -m infra.openapi --write"
    )


def test_every_template_route_is_documented_with_its_auth():
    doc = json.loads(openapi.COMMITTED.read_text())
    for route in template.http_routes():
        operation = doc["paths"][route["path"]][route["method"].lower()]
        assert ("security" not in operation) == route["auth"]
        assert ("401" in operation["responses"]) == route["auth"]


def test_the_document_is_valid_openapi_3_1():
    from openapi_spec_validator import validate

    validate(json.loads(openapi.COMMITTED.read_text()))


def test_a_caller_changing_the_document_does_not_change_the_next_one():
    first = openapi.build()
    first["components"]["schemas"]["Payment"]["properties"].clear()
    first["paths"]["/invoices"]["get"]["responses"]["200"]["links"]["GetInvoice"]["parameters"].clear()
    assert openapi.render(openapi.build()) == openapi.COMMITTED.read_text()


def test_operations_have_the_names_a_code_generator_wants_and_one_summary_each():
    doc = openapi.build()
    ops = [op for item in doc["paths"].values() for op in item.values()]
    ids = [op["operationId"] for op in ops]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[a-z]+(?:[A-Z][a-z]*)*", i) for i in ids), ids  # camelCase, no function names
    assert {"listInvoices", "getInvoice", "createPayment", "updateAccount", "getAccount"} <= set(ids)
    summaries = [op["summary"] for op in ops]
    assert len(set(summaries)) == len(summaries)


def test_the_gateways_own_error_shape_is_documented():
    doc = openapi.build()
    assert doc["components"]["schemas"]["GatewayMessage"]["required"] == ["message"]
    listing = doc["paths"]["/invoices"]["get"]["responses"]
    assert "GatewayMessage" in json.dumps(listing["401"]) and '"error"' in json.dumps(listing["401"])
