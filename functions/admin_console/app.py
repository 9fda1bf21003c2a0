"""The merchant's console reads (admin group): GET /admin/clients (a page at a time), GET /admin/clients/{client_id},
GET /admin/clients/{client_id}/invoices/{invoice_id} (any client's invoice with its payments, activity and payment plan) and GET /admin/attention
(what needs a person: open disputes, money kept as credit, payments stuck with their processor, extension requests
waiting for an answer, problem reports still open)."""

from shared.domain import clock
from shared.http.errors import BadRequest
from shared.http.views import account_view, extension_view, invoice_view, payment_view
from shared.http.web import lambda_entry, make_app, require_admin
from shared.services import console
from shared.services.problem_reports import report_view
from shared.services.queries import parse_limit

app = make_app()


def _params(*allowed: str) -> dict:
    """The query string, refused when it names a parameter the route does not take (nothing is ignored silently)."""
    params = app.current_event.query_string_parameters or {}
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise BadRequest(
            f"Unknown query parameter(s): {', '.join(unknown)[:200]}. This route takes: "
            f"{', '.join(allowed) or 'none'}.",
            code="unknown_parameter",
        )
    return params


@app.get("/admin/clients")
def list_clients():
    require_admin(app)
    params = _params("limit", "cursor")
    clients, cursor = console.list_clients(parse_limit(params.get("limit")), params.get("cursor"))
    return {"clients": [account_view(c) for c in clients], "next_cursor": cursor}


@app.get("/admin/clients/<client_id>")
def get_client(client_id: str):
    require_admin(app)
    _params()
    return account_view(console.get_client(client_id))


@app.get("/admin/clients/<client_id>/invoices/<invoice_id>")
def get_invoice(client_id: str, invoice_id: str):
    require_admin(app)
    _params()
    invoice, payments, activity = console.get_invoice(client_id, invoice_id)
    return invoice_view(invoice, payments, activity=activity) | {"client_id": client_id}


@app.get("/admin/attention")
def attention():
    require_admin(app)
    _params()
    found = console.needing_attention(clock.now())
    name = lambda client_id: getattr(found["clients"].get(client_id), "name", None)  # noqa: E731
    return {
        "payments": [
            payment_view(p) | {"client_id": p.client_id, "client_name": name(p.client_id), "reason": reason}
            for reason, p in found["payments"]
        ],
        "extension_requests": [
            extension_view(i.extension_request)
            | {  # type: ignore[operator]  # each has one
                "client_id": i.client_id,
                "client_name": name(i.client_id),
                "invoice_id": i.invoice_id,
                "invoice_number": i.number,
                "due_date": i.due_date,
                "expired": i.extension_request.requested_due_date < clock.today().isoformat(),
            }
            for i in found["extension_requests"]
        ],
        "problem_reports": [
            report_view(r) | {"client_id": r.client_id, "client_name": name(r.client_id)}
            for r in found["problem_reports"]
        ],
    }


handler = lambda_entry(app)
