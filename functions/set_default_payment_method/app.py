"""POST /payment-methods/{payment_method_id}/default: the method offered first next time."""

from shared.http.views import payment_method_view
from shared.http.web import client_id_of, lambda_entry, make_app
from shared.services.saved_methods import set_default

app = make_app()


@app.post("/payment-methods/<payment_method_id>/default")
def make_default(payment_method_id: str):
    method = set_default(client_id_of(app), payment_method_id)
    return payment_method_view(method, method.payment_method_id)


handler = lambda_entry(app)
