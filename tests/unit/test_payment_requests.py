import pytest

from shared.http.errors import DomainError
from shared.http.payment_requests import check_idempotency_key, choose_amount, parse_payment_request

TEXT = "I authorize Acme to debit my account once."


def error_code(fn, *args, **kwargs):
    with pytest.raises(DomainError) as info:
        fn(*args, **kwargs)
    return info.value.status, info.value.code


@pytest.mark.parametrize(
    "body,code",
    [
        ([], "invalid_json"),
        ("card", "invalid_json"),
        (None, "invalid_json"),
        ({}, "unsupported_method"),
        ({"method": "bitcoin"}, "unsupported_method"),
        ({"method": 1}, "unsupported_method"),
        ({"method": "card", "amount": 0}, "invalid_amount"),
        ({"method": "card", "amount": -5}, "invalid_amount"),
        ({"method": "card", "amount": 10.5}, "invalid_amount"),
        ({"method": "card", "amount": 100.0}, "invalid_amount"),
        ({"method": "card", "amount": "100"}, "invalid_amount"),
        ({"method": "card", "amount": True}, "invalid_amount"),
        ({"method": "card", "save_payment_method": "yes"}, "invalid_field"),
        ({"method": "card", "payment_method_id": 7}, "invalid_field"),
        ({"method": "card", "amount_cents": 5}, "unknown_field"),
    ],
)
def test_bad_bodies_are_refused_with_their_code(body, code):
    assert error_code(parse_payment_request, body, TEXT)[1] == code


def test_amount_is_optional_and_means_the_balance():
    request = parse_payment_request({"method": "card"}, TEXT)
    assert request.amount is None
    assert (
        choose_amount(request, status="open", balance=7000, allow_partial=False, minimum_payment=0, currency="usd")
        == 7000
    )


def test_fingerprint_tells_requests_apart():
    a = parse_payment_request({"method": "card", "amount": 5000}, TEXT)
    assert a.fingerprint("inv-1") == parse_payment_request({"amount": 5000, "method": "card"}, TEXT).fingerprint(
        "inv-1"
    )
    assert a.fingerprint("inv-1") != a.fingerprint("inv-2")
    assert a.fingerprint("inv-1") != parse_payment_request({"method": "card", "amount": 5001}, TEXT).fingerprint(
        "inv-1"
    )


@pytest.mark.parametrize(
    "kwargs,amount,expected",
    [
        (dict(status="void", balance=100), None, (409, "invoice_void")),
        (dict(status="paid", balance=0), None, (409, "invoice_paid")),
        (dict(status="processing", balance=0), None, (409, "payment_in_progress")),
        (dict(status="open", balance=10000), 10001, (422, "amount_exceeds_balance")),
        (dict(status="open", balance=10000, allow_partial=False), 5000, (422, "partial_payment_not_allowed")),
        (
            dict(status="open", balance=10000, allow_partial=True, minimum_payment=2500),
            2499,
            (422, "amount_below_minimum"),
        ),
    ],
)
def test_amount_rules(kwargs, amount, expected):
    request = parse_payment_request({"method": "card", **({"amount": amount} if amount else {})}, TEXT)
    args = dict(allow_partial=False, minimum_payment=0, currency="usd") | kwargs
    assert error_code(choose_amount, request, **args) == expected


def test_partial_payment_at_or_above_minimum_and_a_small_final_balance_are_allowed():
    rules = dict(status="partially_paid", allow_partial=True, minimum_payment=2500, currency="usd")
    assert (
        choose_amount(parse_payment_request({"method": "card", "amount": 2500}, TEXT), balance=10000, **rules) == 2500
    )
    # the last 10.00 of an invoice may be paid even though it is under the minimum
    assert choose_amount(parse_payment_request({"method": "card", "amount": 1000}, TEXT), balance=1000, **rules) == 1000


@pytest.mark.parametrize(
    "key,code",
    [
        (None, "idempotency_key_required"),
        ("", "idempotency_key_required"),
        ("x" * 256, "invalid_idempotency_key"),
        ("caf\u00e9", "invalid_idempotency_key"),
    ],
)
def test_idempotency_key_checks(key, code):
    assert error_code(check_idempotency_key, key) == (400, code)


@pytest.mark.parametrize(
    "authorization,status,code",
    [
        (None, 400, "ach_authorization_required"),
        ({"accepted": False, "text": TEXT}, 400, "ach_authorization_required"),
        ({"text": TEXT}, 400, "ach_authorization_required"),
        ({"accepted": 1, "text": TEXT}, 400, "ach_authorization_required"),
        ({"accepted": True, "text": 5}, 400, "ach_authorization_required"),
        ({"accepted": True, "text": TEXT.upper()}, 422, "ach_authorization_outdated"),
    ],
)
def test_ach_needs_the_current_authorization_accepted(authorization, status, code):
    body = {"method": "ach", "payment_method_id": "ba_1"} | (
        {"ach_authorization": authorization} if authorization else {}
    )
    assert error_code(parse_payment_request, body, TEXT) == (status, code)


def test_the_accepted_authorization_is_part_of_the_request_and_only_for_ach():
    request = parse_payment_request(
        {"method": "ach", "payment_method_id": "ba_1", "ach_authorization": {"accepted": True, "text": TEXT}}, TEXT
    )
    assert request.ach_authorization == TEXT
    assert error_code(
        parse_payment_request, {"method": "card", "ach_authorization": {"accepted": True, "text": TEXT}}, TEXT
    ) == (422, "invalid_field")
    # A card request's fingerprint is what it was before the field existed (a replay after deploy still matches).
    card = parse_payment_request({"method": "card", "amount": 5000}, TEXT)
    assert card.fingerprint("inv-1") == _legacy_fingerprint("inv-1", 5000)


def _legacy_fingerprint(invoice_id, amount):
    import hashlib
    import json

    canonical = json.dumps(
        {
            "invoice_id": invoice_id,
            "method": "card",
            "amount": amount,
            "payment_method_id": None,
            "save_payment_method": False,
        },
        sort_keys=True,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def test_a_good_idempotency_key_is_answered_as_given_up_to_255_printable_characters():
    assert check_idempotency_key("k-1") == "k-1"
    assert check_idempotency_key("x" * 255) == "x" * 255
    assert error_code(check_idempotency_key, "tab\there") == (400, "invalid_idempotency_key")


@pytest.mark.parametrize("currency,minimum", [("usd", 50), ("eur", 50), ("aud", 50), ("cad", 50), ("gbp", 30)])
def test_a_card_payment_of_exactly_stripes_minimum_is_taken_and_a_cent_less_is_refused(currency, minimum):
    from shared.http.payment_requests import check_card_amount

    check_card_amount(minimum, currency)
    check_card_amount(99_999_999, currency)
    assert error_code(check_card_amount, minimum - 1, currency) == (422, "amount_below_card_minimum")
    assert error_code(check_card_amount, 100_000_000, currency) == (422, "amount_above_card_maximum")


def test_a_partial_payment_of_exactly_the_minimum_is_allowed():
    rules = dict(status="open", balance=10000, allow_partial=True, minimum_payment=2500, currency="usd")
    assert choose_amount(parse_payment_request({"method": "card", "amount": 2500}, TEXT), **rules) == 2500
    assert choose_amount(parse_payment_request({"method": "card", "amount": 9999}, TEXT), **rules) == 9999


def test_the_ach_maximum_is_the_setting_or_dwollas_default(monkeypatch):
    from shared.http.payment_requests import check_ach_amount

    check_ach_amount(500_000)
    assert error_code(check_ach_amount, 500_001) == (422, "amount_above_ach_maximum")
    monkeypatch.setenv("ACH_MAX_TRANSFER_CENTS", "1000000")
    check_ach_amount(1_000_000)
    monkeypatch.setenv("ACH_MAX_TRANSFER_CENTS", "10k")
    with pytest.raises(ValueError):
        check_ach_amount(1)


def test_the_whole_balance_is_the_amount_when_none_or_exactly_it_is_asked():
    rules = dict(status="partially_paid", balance=7000, allow_partial=False, minimum_payment=0, currency="usd")
    assert choose_amount(parse_payment_request({"method": "card"}, TEXT), **rules) == 7000
    assert choose_amount(parse_payment_request({"method": "card", "amount": 7000}, TEXT), **rules) == 7000


def test_a_currency_without_its_own_figures_gets_stripes_general_ones():
    from shared.http.payment_requests import card_maximum, check_card_amount

    assert card_maximum("xyz") == 99_999_999
    check_card_amount(50, "xyz")
    assert error_code(check_card_amount, 49, "xyz") == (422, "amount_below_card_minimum")


def test_one_cent_is_an_amount_and_a_one_cent_balance_can_be_paid():
    assert parse_payment_request({"method": "card", "amount": 1}, TEXT).amount == 1
    rules = dict(status="partially_paid", allow_partial=True, minimum_payment=0, currency="usd")
    assert choose_amount(parse_payment_request({"method": "card"}, TEXT), balance=1, **rules) == 1
