"""GET /invoices: the signed-in client's invoices, newest first, optionally by status."""

from shared.http.views import invoice_view
from shared.http.web import client_id_of, lambda_entry, make_app
from shared.services.queries import list_invoices, parse_limit

app = make_app()


@app.get("/invoices")
def get_invoices():
    client_id = client_id_of(app)
    params = app.current_event.query_string_parameters or {}
    invoices, cursor = list_invoices(
        client_id, params.get("status"), parse_limit(params.get("limit")), params.get("cursor")
    )
    return {"invoices": [invoice_view(i) for i in invoices], "next_cursor": cursor}


handler = lambda_entry(app)
