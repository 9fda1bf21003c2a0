"""GET /invoices/{invoice_id}/activity?cursor=: the next page of an invoice's activity (its detail shows the first)."""

from shared.http.views import activity_view
from shared.http.web import client_id_of, lambda_entry, make_app
from shared.services.queries import invoice_activity

app = make_app()


@app.get("/invoices/<invoice_id>/activity")
def get_activity(invoice_id: str):
    entries, next_cursor = invoice_activity(
        client_id_of(app), invoice_id, app.current_event.get_query_string_value("cursor")
    )
    return {"activity": activity_view(entries), "next_cursor": next_cursor}


handler = lambda_entry(app)
