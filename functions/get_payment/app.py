"""GET /payments/{payment_id}: one payment, so the client can always see whether it went through."""

from shared.services.queries import get_payment
from shared.views import payment_view
from shared.web import client_id_of, lambda_entry, make_app

app = make_app()


@app.get("/payments/<payment_id>")
def get_one(payment_id: str):
    return payment_view(get_payment(client_id_of(app), payment_id))


handler = lambda_entry(app)
