"""POST /payment-methods/setup: a SetupIntent client_secret so Stripe.js can save a card without paying."""

from functools import cache

from shared.errors import NotFound
from shared.models import Client
from shared.processors import stripe_cards
from shared.services.customers import stripe_customer_for
from shared.web import client_id_of, json_response, lambda_entry, make_app

app = make_app()


@cache
def _cards() -> stripe_cards.StripeCards:
    return stripe_cards.from_environment()


@app.post("/payment-methods/setup")
def setup():
    client_id = client_id_of(app)
    try:
        client = Client.get(client_id)
    except Client.DoesNotExist:
        raise NotFound("We couldn't find your account.", code="account_not_found") from None
    customer_id = stripe_customer_for(client, _cards())
    return json_response(201, {"client_secret": _cards().create_setup_intent(customer_id=customer_id,
                                                                             client_id=client_id)})


handler = lambda_entry(app)
