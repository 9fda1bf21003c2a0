"""POST /payment-methods/setup: a SetupIntent client_secret so Stripe.js can save a card without paying."""

from shared.http.web import client_id_of, json_response, lambda_entry, make_app
from shared.processors.factory import card_processor
from shared.services.client_accounts import start_card_setup

app = make_app()


@app.post("/payment-methods/setup")
def setup():
    return json_response(201, {"client_secret": start_card_setup(client_id_of(app), card_processor())})


handler = lambda_entry(app)
