"""One processor customer per client, created on first need, for each processor."""

from collections.abc import Callable
from typing import TYPE_CHECKING

from pynamodb.exceptions import UpdateError

from shared.aws.models import Client

if TYPE_CHECKING:  # the ports, for types only: a card request loads no ACH values, an ACH request no card ones
    from shared.processors.ach import AchProcessor
    from shared.processors.card import CardProcessor


def _customer_for(client: Client, attribute, create: Callable[[], str]) -> str:
    """Two first calls racing get the same customer: the processor's idempotency key (per client) makes
    both creations return one customer, and the conditional write keeps the first id stored."""
    stored = getattr(client, attribute.attr_name)
    if stored:
        return stored
    customer_id = create()
    try:
        client.update(actions=[attribute.set(customer_id)], condition=attribute.does_not_exist())
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        client.refresh(consistent_read=True)
        return getattr(client, attribute.attr_name)
    return customer_id


def stripe_customer_for(client: Client, cards: "CardProcessor") -> str:
    return _customer_for(
        client,
        Client.stripe_customer_id,
        lambda: cards.ensure_customer(client_id=client.client_id, email=client.billing_email, name=client.name),
    )


def ach_customer_for(client: Client, ach: "AchProcessor") -> str:
    """A business's customer carries its name as the business name and its contact (else the name again) as the
    person Dwolla asks for; a person's carries the name."""
    person = (client.contact_name or client.name) if client.business else client.name
    return _customer_for(
        client,
        Client.ach_customer_id,
        lambda: ach.ensure_customer(
            client_id=client.client_id,
            email=client.billing_email,
            name=person,
            business_name=client.name if client.business else None,
        ),
    )
