"""The contract between the ACH sandbox (infra/ach_sandbox/, which plays Dwolla) and the backend's side of each
rule Dwolla documents (the Dwolla adapter, shared/processors/dwolla.py, and the domain's copy of the rule): every
rule is run through the adapter against the sandbox, and the backend's decision must be the sandbox's. Each table
of a rule is written twice (in the sandbox, in the backend), from the same Dwolla page; a test here fails if the two
copies ever disagree.

- Weekly limit of an unverified customer ("Customer Types"): shared/domain/ach_limits.py.
- Micro-deposit entries ("Verify micro-deposits"): shared/domain/bank_accounts.py.
- Idempotency-Key replays for 24 hours, a removed bank too ("Idempotency Key"); 48 h re-activation ("Remove a
  funding source"): the adapter's add_bank_account.
- Suspension, deactivation, unverification, removal and blocklisting per return code ("Transfer Failures"):
  shared/bank_accounts.RETURN_ACTIONS and the adapter's reads.
- Forbidden name characters ("Create a customer"): shared/processors/dwolla_names.py.
"""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra import ach_sandbox
from shared.domain import ach_limits
from shared.domain.bank_accounts import MICRO_DEPOSIT_CENTS, RETURN_ACTIONS, return_failure
from shared.http.errors import Unprocessable
from shared.processors import dwolla_names
from shared.processors.ach import AchError, VerifyResult
from shared.processors.dwolla import DwollaAch
from tests.drivers.ach import add_bank, new_customer, simulate, verified_adapter_bank

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def ach(sandbox):
    sandbox.reset()
    return DwollaAch(sandbox.url, sandbox.client_id, sandbox.client_secret, timeout=2.0, backoff=0.0)


def succeeds(call, refusal: str) -> bool:
    """True when the adapter's call went through; False when the processor refused it with `refusal`."""
    try:
        call()
    except AchError as exc:
        assert exc.code == refusal, exc
        return False
    return True


def transfer(ach, source, cents):
    return ach.create_transfer(bank_account_id=source, amount=cents, metadata={}, idempotency_key=str(uuid.uuid4()))


# ---- the weekly limit ------------------------------------------------------------------------------------------


def test_the_weekly_limit_is_the_same_number_and_the_same_week():
    assert ach_sandbox.SEND_LIMITS["unverified"] == ("week", ach_limits.WEEKLY_LIMIT)
    start = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday
    for hours in range(0, 24 * 15, 5):
        moment = start + timedelta(hours=hours, minutes=hours % 60)
        assert ach_sandbox.week_of(moment) == ach_limits.week_of(moment)


@SETTINGS
@given(
    amounts=st.lists(st.integers(min_value=1, max_value=ach_limits.WEEKLY_LIMIT + 100), min_size=1, max_size=6),
    day=st.integers(min_value=0, max_value=13),
)
def test_the_backend_refuses_exactly_the_debits_the_processor_would(sandbox, ach, amounts, day):
    """For any sequence of debits over two weeks, the domain's check (on what went through this week) allows a debit
    if and only if the sandbox, through the adapter, accepts it: no debit the client is told is processing is
    refused later, and none the processor would take is refused here."""
    now = datetime(2026, 3, 2, 9, tzinfo=UTC) + timedelta(days=day)
    sandbox.set_clock(now=now)
    source = verified_adapter_bank(ach, sandbox)
    sent = 0
    for i, cents in enumerate(amounts):
        if i == 3:  # half-way, the next Dwolla week (Monday 00:00 UTC) begins for both
            now = ach_limits.week_of(now)[1]
            sandbox.set_clock(now=now)
            sent = 0
        try:
            ach_limits.check_weekly_limit(cents, sent, now)
            allowed = True
        except Unprocessable as refused:
            assert refused.code == "ach_weekly_limit" and refused.details["available"] == ach_limits.WEEKLY_LIMIT - sent
            allowed = False
        taken = succeeds(lambda: transfer(ach, source, cents), refusal="TransactionLimit")  # noqa: B023 (called at once)
        assert allowed == taken, (cents, sent)
        sent += cents if taken else 0


# ---- micro-deposits --------------------------------------------------------------------------------------------


def test_every_entry_the_api_lets_through_is_a_micro_deposit_amount_to_the_processor(sandbox, ach):
    """The API takes 1-9 cents; Dwolla calls an entry over $0.15 "Invalid amount" (never a wrong answer, never a
    spent attempt, never a permanent failure in the adapter)."""
    made = add_bank(ach)
    simulate(sandbox)
    fs_id = made.id.rsplit("/", 1)[1]
    for cents in range(0, 40):
        answer = ach.verify_bank_account(made.id, (cents, cents))
        if cents in MICRO_DEPOSIT_CENTS:
            assert answer == VerifyResult.WRONG_AMOUNTS or (cents, answer) == (9, VerifyResult.TOO_MANY_ATTEMPTS)
        if cents > ach_sandbox.MICRO_DEPOSIT_INVALID_ABOVE:
            assert answer == VerifyResult.INVALID_AMOUNTS
        if answer != VerifyResult.INVALID_AMOUNTS:
            sandbox.funding_sources[fs_id].micro.attempts = 0  # keep asking: only the answer's kind matters here
            sandbox.funding_sources[fs_id].micro.max_attempts_reached = False
    assert max(MICRO_DEPOSIT_CENTS) < 10 <= ach_sandbox.MICRO_DEPOSIT_INVALID_ABOVE


# ---- linking again -----------------------------------------------------------------------------------------------


def test_a_bank_removed_and_linked_again_with_the_same_key_is_a_new_bank_within_24_hours(sandbox, ach):
    """Dwolla replays the original answer for 24 hours ("Idempotency Key"), also when it names a removed bank: the
    adapter never hands that back. A verified bank removed is linked anew: a fresh bank, fresh micro-deposits."""
    customer_id = new_customer(ach)
    key = "bank:same-key"
    first = add_bank(ach, "55556666", customer=customer_id, key=key)
    simulate(sandbox)
    assert ach.verify_bank_account(first.id, (3, 9)) == VerifyResult.VERIFIED
    ach.remove_bank_account(first.id)
    again = add_bank(ach, "55556666", customer=customer_id, key=key)
    assert again.id != first.id and again.status == "unverified" and again.verification == "pending"
    assert ach.get_bank_account(first.id).status == "removed"
    assert sandbox.funding_sources[again.id.rsplit("/", 1)[1]].micro.status == "pending"  # fresh micro-deposits
    assert add_bank(ach, "55556666", customer=customer_id, key=key).id == again.id  # a retry: the same bank
    simulate(sandbox)
    assert ach.verify_bank_account(again.id, (3, 9)) == VerifyResult.VERIFIED


def test_an_unverified_bank_removed_and_linked_again_is_reactivated_with_its_deposits(sandbox, ach):
    """ "Remove a funding source": within 48 hours of its creation an unverified bank comes back (the same id), not
    removed, and its micro-deposits still verify it."""
    customer_id = new_customer(ach)
    key = "bank:same-key"
    first = add_bank(ach, "55556666", customer=customer_id, key=key)
    ach.remove_bank_account(first.id)
    again = add_bank(ach, "55556666", customer=customer_id, key=key)
    assert (again.id, again.status, again.verification) == (first.id, "unverified", "pending")
    simulate(sandbox)
    assert ach.verify_bank_account(again.id, (3, 9)) == VerifyResult.VERIFIED


def test_a_bank_that_failed_verification_comes_back_locked_within_48_hours(sandbox, ach):
    """ "Remove a funding source": an unverified bank re-added within 48 h of its creation is re-activated; after too
    many attempts Dwolla's guide says to wait those 48 hours: the adapter reports it locked until then."""
    customer_id = new_customer(ach)
    made = add_bank(ach, customer=customer_id)
    simulate(sandbox)
    for _ in range(3):
        ach.verify_bank_account(made.id, (1, 2))
    ach.remove_bank_account(made.id)
    back = add_bank(ach, customer=customer_id)
    assert (back.id, back.verification) == (made.id, "locked")
    ach.remove_bank_account(back.id)
    sandbox.set_clock(advance_seconds=48 * 3600)
    fresh = add_bank(ach, customer=customer_id)
    assert fresh.id != made.id and fresh.verification == "pending"


# ---- return codes --------------------------------------------------------------------------------------------------


def test_the_return_code_table_is_the_same_in_the_backend_and_the_sandbox():
    sandbox_table = {
        code: (customer, "removed" if removed else "unverified" if unverified else None)
        for code, (_d, _e, customer, unverified, removed, _b) in ach_sandbox.RETURN_CODES.items()
    }
    assert sandbox_table == RETURN_ACTIONS
    for code in ach_sandbox.RETURN_CODES:
        assert return_failure(code).message.startswith("Your ") or code == "R06"  # every code has its own words
        assert "returned this payment." not in return_failure(code).message


@pytest.mark.parametrize("code", sorted(ach_sandbox.RETURN_CODES))
def test_after_each_return_code_the_adapter_reads_what_the_backend_expects(sandbox, ach, code):
    """The sandbox applies Dwolla's table; the adapter reads the bank and the customer after the return and they
    must be what the backend's table says (what the portal then shows and the API refuses)."""
    customer_id = new_customer(ach)
    account = f"1234500{code[1:]}"
    source = verified_adapter_bank(ach, sandbox, account, customer=customer_id)
    made = transfer(ach, source, 1000)
    simulate(sandbox)
    assert ach.get_transfer(made.id).failure_code == code
    customer_action, bank_action = RETURN_ACTIONS[code]
    assert ach.get_customer(customer_id).status == (customer_action or "unverified")
    assert (
        ach.get_bank_account(source).status
        == {"removed": "removed", "unverified": "unverified", None: "verified"}[bank_action]
    )
    blocklisted = ach_sandbox.RETURN_CODES[code][5]
    if bank_action == "removed":
        assert succeeds(lambda: add_bank(ach, account, customer=customer_id), refusal="Blocklisted") is not blocklisted


def test_r20_removes_and_blocklists_the_bank(sandbox, ach):
    customer_id = new_customer(ach)
    source = verified_adapter_bank(ach, sandbox, "99990020", customer=customer_id)
    transfer(ach, source, 500)
    simulate(sandbox)
    assert ach.get_bank_account(source).status == "removed"
    with pytest.raises(AchError) as refused:
        add_bank(ach, "99990020", customer=customer_id)
    assert refused.value.code == "Blocklisted" and "99990020" not in str(refused.value)


# ---- names -----------------------------------------------------------------------------------------------------------


def test_the_forbidden_characters_are_the_same():
    assert dwolla_names.FORBIDDEN == ach_sandbox.FORBIDDEN_NAME_CHARACTERS
    assert set(dwolla_names.MAPPING) == dwolla_names.FORBIDDEN
    assert not dwolla_names.FORBIDDEN & set("".join(dwolla_names.MAPPING.values()))
    assert dwolla_names.PERSON_NAME_LIMIT == ach_sandbox.NAME_LIMITS["firstName"] == ach_sandbox.NAME_LIMITS["lastName"]
    assert ach_sandbox.NAME_LIMITS["businessName"] == dwolla_names.BUSINESS_NAME_LIMIT


@SETTINGS
@given(
    name=st.text(alphabet=st.sampled_from(sorted(dwolla_names.FORBIDDEN) + list("Ab é.-'&1 ")), max_size=300),
    business=st.one_of(
        st.none(),
        st.text(alphabet=st.sampled_from(sorted(dwolla_names.FORBIDDEN) + list("Yo 1")), min_size=1, max_size=300),
    ),
)
def test_any_client_name_becomes_a_customer_the_processor_accepts(sandbox, ach, name, business):
    created = ach.ensure_customer(
        client_id=str(uuid.uuid4()), name=name, email=f"{uuid.uuid4().hex[:10]}@example.test", business_name=business
    )
    stored = sandbox.customers[created.rsplit("/", 1)[1]]
    for field in ("firstName", "lastName", "businessName"):
        assert not dwolla_names.FORBIDDEN & set(stored.get(field) or "")
    if business and dwolla_names.business_name(business):
        assert stored["businessName"] == dwolla_names.business_name(business)
