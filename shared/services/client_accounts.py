"""The client's own record: the account page, its edits, the default payment method, the card set-up."""

from pynamodb.exceptions import UpdateError

from shared.errors import NotFound
from shared.models import Client
from shared.processors.card import CardProcessor
from shared.services.customers import stripe_customer_for


def _not_found() -> NotFound:
    return NotFound("We couldn't find your account.", code="account_not_found")


def get_account(client_id: str, consistent: bool = False) -> Client:
    try:
        return Client.get(client_id, consistent_read=consistent)
    except Client.DoesNotExist:
        raise _not_found() from None


def update_account(client_id: str, changes: dict) -> Client:
    """Only an existing client is changed (the condition); the answer is read back consistently."""
    if changes:
        try:
            Client(client_id).update(actions=[getattr(Client, field).set(value) for field, value in changes.items()],
                                     condition=Client.client_id.exists())
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise _not_found() from None
            raise
    return get_account(client_id, consistent=True)


def default_method_id(client_id: str) -> str | None:
    return get_account(client_id).default_payment_method_id


def start_card_setup(client_id: str, cards: CardProcessor) -> str:
    """A SetupIntent's client_secret for saving a card, under the client's processor customer."""
    customer_id = stripe_customer_for(get_account(client_id), cards)
    return cards.create_setup_intent(customer_id=customer_id, client_id=client_id)
