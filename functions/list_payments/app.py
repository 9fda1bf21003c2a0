"""GET /payments: the signed-in client's payment history, newest first, optionally for one invoice."""

from shared.http.views import payment_view
from shared.http.web import client_id_of, lambda_entry, make_app
from shared.services.queries import list_payments, parse_limit

app = make_app()


@app.get("/payments")
def get_payments():
    client_id = client_id_of(app)
    params = app.current_event.query_string_parameters or {}
    payments, cursor = list_payments(
        client_id, params.get("invoice_id"), parse_limit(params.get("limit")), params.get("cursor")
    )
    return {"payments": [payment_view(p) for p in payments], "next_cursor": cursor}


handler = lambda_entry(app)
