"""Back office: create and void a client's invoices, read any client's invoices and payments (admin group)."""

from shared.http.invoice_requests import parse_invoice_request
from shared.http.payment_requests import check_idempotency_key
from shared.http.views import invoice_view, payment_view
from shared.http.web import header, json_body, json_response, lambda_entry, logger, make_app, require_admin
from shared.processors.factory import card_processor
from shared.services import back_office
from shared.services.queries import parse_limit

app = make_app()


def _params() -> dict:
    return app.current_event.query_string_parameters or {}


@app.post("/admin/invoices")
def create_invoice():
    admin = require_admin(app)
    key = check_idempotency_key(header(app, "Idempotency-Key"))
    request = parse_invoice_request(json_body(app))
    created = back_office.create_invoice(request, key)
    if not created.replayed:
        logger.info("invoice created by admin", extra={"admin": admin, "invoice_id": created.invoice.invoice_id})
    body = invoice_view(created.invoice, created.payments, activity=(created.activity, None)) | {
        "client_id": request.client_id
    }
    return json_response(201, body, {"Idempotent-Replayed": "true" if created.replayed else "false"})


@app.post("/admin/clients/<client_id>/invoices/<invoice_id>/void")
def void_invoice(client_id: str, invoice_id: str):
    admin = require_admin(app)
    invoice, payments, activity = back_office.void_invoice(client_id, invoice_id, card_processor())
    logger.info("invoice voided by admin", extra={"admin": admin, "invoice_id": invoice_id})
    return invoice_view(invoice, payments, activity=(activity, None)) | {"client_id": client_id}


@app.get("/admin/clients/<client_id>/invoices")
def list_invoices(client_id: str):
    require_admin(app)
    params = _params()
    invoices, cursor = back_office.list_client_invoices(
        client_id, params.get("status"), parse_limit(params.get("limit")), params.get("cursor")
    )
    return {"invoices": [invoice_view(i) for i in invoices], "next_cursor": cursor}


@app.get("/admin/clients/<client_id>/payments")
def list_payments(client_id: str):
    require_admin(app)
    params = _params()
    payments, cursor = back_office.list_client_payments(
        client_id, params.get("invoice_id"), parse_limit(params.get("limit")), params.get("cursor")
    )
    return {"payments": [payment_view(p) for p in payments], "next_cursor": cursor}


handler = lambda_entry(app)
