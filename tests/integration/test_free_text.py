"""Every free-text field of every route, one rule (shared.http.validation.text_field): no control character (CR, LF,
NUL, tab, the C1 controls), no line or paragraph separator, no bidirectional embedding, override or isolate;
at most its limit in UTF-8 bytes, not characters. A refusal is 422 with the field's code and changes nothing.
(PATCH /account's name: test_account.py; POST /admin/invoices's number and line items: test_back_office.py.)"""

import pytest

from infra.seed import put_invoice
from tests.helpers import call, queue_messages, table_snapshot

ADMIN = {"sub": "admin-1", "email": "owner@acme.test", "cognito:groups": "[merchant-admins]"}
BANK = {"routing_number": "222222226", "account_number": "123456789", "account_type": "checking"}

# Each: a value no field may hold.
HOSTILE = {
    "crlf": "Please call me\r\nBcc: x@evil.test",
    "lf": "two\nlines",
    "nul": "cut\x00here",
    "tab": "a\tb",
    "c1-next-line": "a\x85b",
    "line-separator": "a\u2028b",
    "paragraph-separator": "a\u2029b",
    "right-to-left-override": "invoice \u202efdp.exe",
    "left-to-right-embedding": "a\u202ab",
    "isolate": "a\u2066b\u2069",
}


@pytest.fixture
def world(seeded):
    """A pending card payment of client-a and an open problem report on it; the queue emptied."""
    status, body, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "inv-part"},
        body={"method": "card", "amount": 40000},
        headers={"Idempotency-Key": "ft-1"},
    )
    assert status == 201
    payment_id = body["payment_id"]
    status, report, _ = call(
        "ProblemReportsFunction",
        path_parameters={"payment_id": payment_id},
        body={"kind": "other", "message": "Looks odd."},
    )
    assert status == 201
    put_invoice("client-a", "inv-ext", number="INV-1009", total=30000, due_date="2030-01-10")
    put_invoice("client-a", "inv-asked", number="INV-1010", total=30000, due_date="2030-01-10")
    status, asked, _ = call(
        "RequestExtensionFunction",
        path_parameters={"invoice_id": "inv-asked"},
        body={"requested_due_date": "2030-01-20", "reason": "Payroll."},
    )
    assert status == 201
    queue_messages(seeded["receipt_queue"])
    return {
        "payment_id": payment_id,
        "report_id": report["problem_report_id"],
        "extension_request_id": asked["extension_request_id"],
    }


def _problem_message(world, text):
    return call(
        "ProblemReportsFunction",
        path_parameters={"payment_id": world["payment_id"]},
        body={"kind": "wrong_amount", "message": text},
    )


def _resolution(world, text):
    return call(
        "AdminProblemReportsFunction",
        path_parameters={"problem_report_id": world["report_id"]},
        body={"resolution": text},
        client_id=None,
        claims=ADMIN,
    )


def _refund_reason(world, text):
    return call(
        "AdminRefundsFunction",
        path_parameters={"payment_id": world["payment_id"]},
        body={"amount": 100, "reason": text},
        headers={"Idempotency-Key": "ft-refund"},
        client_id=None,
        claims=ADMIN,
    )


def _extension_reason(world, text):
    return call(
        "RequestExtensionFunction",
        path_parameters={"invoice_id": "inv-ext"},
        body={"requested_due_date": "2030-01-20", "reason": text},
    )


def _extension_note(world, text):
    return call(
        "AdminExtensionDecisionFunction",
        path_suffix="decline",
        path_parameters={"extension_request_id": world["extension_request_id"]},
        body={"note": text},
        client_id=None,
        claims=ADMIN,
    )


def _holder_name(world, text):
    return call("AddBankAccountFunction", body={**BANK, "holder_name": text})


def _account_name(world, text):
    return call("AccountFunction", method="PATCH", body={"name": text})


# field -> (send it, its code, its limit in bytes)
FIELDS = {
    "problem report message": (_problem_message, "invalid_message", 2000),
    "resolution": (_resolution, "invalid_resolution", 2000),
    "refund reason": (_refund_reason, "invalid_reason", 500),
    "extension reason": (_extension_reason, "invalid_reason", 1000),
    "extension answer's note": (_extension_note, "invalid_note", 1000),
    "bank account holder name": (_holder_name, "invalid_holder_name", 100),
    "account name": (_account_name, "invalid_field", 200),
}


def _refused(world, seeded, field, text, words):
    send, code, _ = FIELDS[field]
    before = table_snapshot()
    status, body, _ = send(world, text)
    assert (status, body["error"]["code"]) == (422, code), body
    assert words in body["error"]["message"]
    assert table_snapshot() == before
    assert queue_messages(seeded["receipt_queue"]) == []


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("kind", HOSTILE)
def test_control_and_direction_characters_are_refused(world, seeded, field, kind):
    _refused(world, seeded, field, HOSTILE[kind], "line breaks, tabs or other control characters")


@pytest.mark.parametrize("field", FIELDS)
def test_the_limit_is_in_bytes_not_characters(world, seeded, field):
    limit = FIELDS[field][2]
    # "中" is 3 bytes: one more than fits is refused though it is far fewer characters than the limit...
    _refused(world, seeded, field, "\u4e2d" * (limit // 3 + 1), f"at most {limit:,} bytes")
    _refused(world, seeded, field, "\u00e9" * (limit // 2) + "x", f"at most {limit:,} bytes")


def test_text_at_the_byte_limit_is_kept(world, seeded):
    message = "\u00e9" * 1000  # 1000 characters, 2000 bytes
    status, body, _ = _problem_message(world, message)
    assert (status, body["message"]) == (201, message)
    status, body, _ = _extension_reason(world, "Ré" * 333)  # 999 bytes
    assert status == 201 and body["reason"] == "Ré" * 333
