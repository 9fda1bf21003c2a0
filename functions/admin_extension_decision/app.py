"""POST /admin/extension-requests/{id}/approve | decline: the merchant's answer (Cognito admin group), with an
optional note to the client ({"note": "..."}), which the email and the invoice show with either answer."""

from shared.aws.notify import enqueue_job
from shared.domain.due_dates import parse_extension_decision
from shared.http.validation import parse_json
from shared.http.views import extension_view
from shared.http.web import lambda_entry, logger, make_app, raw_body, require_admin
from shared.services.extensions import decide_extension

app = make_app()


def _decide(extension_request_id: str, approve: bool) -> dict:
    admin = require_admin(app)
    note = parse_extension_decision(raw_body(app), parse_json)
    invoice = decide_extension(extension_request_id, approve, enqueue_job, note)
    invoice.refresh()
    logger.info("extension decided by admin", extra={"admin": admin, "approved": approve})
    return extension_view(invoice.extension_request) | {
        "invoice_id": invoice.invoice_id,  # type: ignore[operator]
        "due_date": invoice.due_date,
    }


@app.post("/admin/extension-requests/<extension_request_id>/approve")
def approve(extension_request_id: str):
    return _decide(extension_request_id, True)


@app.post("/admin/extension-requests/<extension_request_id>/decline")
def decline(extension_request_id: str):
    return _decide(extension_request_id, False)


handler = lambda_entry(app)
