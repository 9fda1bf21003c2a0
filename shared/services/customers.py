"""One Stripe customer per client, created on first need."""

from pynamodb.exceptions import UpdateError

from shared.models import Client
from shared.processors.card import CardProcessor


def stripe_customer_for(client: Client, cards: CardProcessor) -> str:
    """The client's Stripe customer id. Two first payments racing get the same customer: Stripe's idempotency
    key makes both calls return one customer, and the conditional write keeps the first id stored."""
    if client.stripe_customer_id:
        return client.stripe_customer_id
    customer_id = cards.ensure_customer(client_id=client.client_id, email=client.billing_email, name=client.name)
    try:
        client.update(actions=[Client.stripe_customer_id.set(customer_id)],
                      condition=Client.stripe_customer_id.does_not_exist())
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        client.refresh(consistent_read=True)
        return client.stripe_customer_id
    return customer_id
