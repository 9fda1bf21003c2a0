"""GET /payment-methods: the client's saved cards and bank accounts."""

from shared.http.views import payment_method_view
from shared.http.web import client_id_of, lambda_entry, make_app
from shared.services.saved_methods import list_methods

app = make_app()


@app.get("/payment-methods")
def get_methods():
    methods, default_id = list_methods(client_id_of(app))
    return {"payment_methods": [payment_method_view(m, default_id) for m in methods]}


handler = lambda_entry(app)
