"""The enforcement itself: tests/openapi_check.py refuses what docs/openapi.json does not document."""

import json

import pytest

from tests.openapi_check import check, route_of

GOOD_ERROR = json.dumps({"error": {"code": "invoice_not_found", "message": "We couldn't find that invoice."}})


def test_a_documented_answer_passes():
    check("GET", "/invoices/{invoice_id}", 404, {}, GOOD_ERROR)
    check("DELETE", "/payment-methods/{payment_method_id}", 204, {}, "")


@pytest.mark.parametrize(
    "method,path,status,headers,body,complaint",
    [
        ("GET", "/invoices/{invoice_id}", 409, {}, GOOD_ERROR, "not documented"),
        (
            "GET",
            "/invoices/{invoice_id}",
            404,
            {},
            json.dumps({"error": {"code": "payment_not_found", "message": "x"}}),
            "is not one of",
        ),
        (
            "GET",
            "/invoices/{invoice_id}",
            404,
            {},
            json.dumps({"error": {"code": "invoice_not_found", "message": "x", "param": "id"}}),
            "Additional properties",
        ),
        ("GET", "/account", 200, {}, json.dumps({"client_id": "c"}), "required"),
        ("DELETE", "/payment-methods/{payment_method_id}", 204, {}, "null", "without a body"),
        ("POST", "/invoices/{invoice_id}/payments", 201, {}, "{}", "Idempotent-Replayed is missing"),
        ("GET", "/invoices", 400, {}, "not json", "not JSON"),
    ],
)
def test_an_undocumented_answer_fails(method, path, status, headers, body, complaint):
    with pytest.raises(AssertionError, match=complaint):
        check(method, path, status, headers, body)


def test_requests_are_matched_to_their_route():
    assert route_of("GET", "/invoices/inv-1") == "/invoices/{invoice_id}"
    assert (
        route_of("POST", "/admin/clients/c-1/invoices/i-1/void")
        == "/admin/clients/{client_id}/invoices/{invoice_id}/void"
    )
    assert route_of("TRACE", "/invoices") is None
