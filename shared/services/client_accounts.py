"""The client's own record: the account page, its edits, the default payment method, the card set-up."""

from datetime import datetime

from pynamodb.exceptions import UpdateError

from shared.aws.models import Client
from shared.emails.jobs import Enqueue
from shared.http.errors import NotFound
from shared.processors.card import CardProcessor
from shared.services import billing_email
from shared.services.customers import stripe_customer_for


def _not_found() -> NotFound:
    return NotFound("We couldn't find your account.", code="account_not_found")


def get_account(client_id: str, consistent: bool = False) -> Client:
    try:
        return Client.get(client_id, consistent_read=consistent)
    except Client.DoesNotExist:
        raise _not_found() from None


def update_account(client_id: str, changes: dict, *, now: datetime, enqueue: Enqueue) -> Client:
    """One conditional write: only an existing client is changed, and a new billing email only becomes pending
    (shared/services/billing_email.py), at most once a minute. A refusal changes nothing, the other fields of the
    same request included. The answer is read back consistently."""
    changes = dict(changes)
    email = changes.pop("billing_email", None)
    actions = [getattr(Client, field).set(value) for field, value in changes.items()]
    condition = Client.client_id.exists()
    change = billing_email.plan_change(get_account(client_id, consistent=True), email, now) if email else None
    if change is not None:
        actions += change.actions
        condition &= change.condition
    if actions:
        try:
            Client(client_id).update(actions=actions, condition=condition)
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
            raise billing_email.too_soon(get_account(client_id, consistent=True), now) from None
    if change is not None:
        change.announce(client_id, enqueue)
    return get_account(client_id, consistent=True)


def confirm_billing_email(client_id: str, token: str, *, now: datetime, enqueue: Enqueue) -> Client:
    billing_email.confirm(get_account(client_id, consistent=True), token, now, enqueue)
    return get_account(client_id, consistent=True)


def default_method_id(client_id: str) -> str | None:
    return get_account(client_id).default_payment_method_id


def start_card_setup(client_id: str, cards: CardProcessor) -> str:
    """A SetupIntent's client_secret for saving a card, under the client's processor customer."""
    customer_id = stripe_customer_for(get_account(client_id), cards)
    return cards.create_setup_intent(customer_id=customer_id, client_id=client_id)
