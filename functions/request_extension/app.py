"""POST /invoices/{invoice_id}/extension-requests: ask the merchant for a later due date."""

from shared.aws.notify import enqueue_job
from shared.domain import clock
from shared.http.views import extension_view
from shared.http.web import client_id_of, json_body, json_response, lambda_entry, make_app
from shared.services.extensions import request_extension

app = make_app()


@app.post("/invoices/<invoice_id>/extension-requests")
def create(invoice_id: str):
    invoice = request_extension(client_id_of(app), invoice_id, json_body(app), clock.today(), enqueue_job)
    invoice.refresh()
    return json_response(201, extension_view(invoice.extension_request) | {"invoice_id": invoice_id})  # type: ignore[operator]  # just made


handler = lambda_entry(app)
