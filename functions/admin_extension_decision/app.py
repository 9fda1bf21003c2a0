"""POST /admin/extension-requests/{id}/approve | decline: the merchant's answer (Cognito admin group)."""

from shared.notify import enqueue_job
from shared.services.extensions import decide_extension
from shared.views import extension_view
from shared.web import lambda_entry, logger, make_app, require_admin

app = make_app()


def _decide(extension_request_id: str, approve: bool) -> dict:
    admin = require_admin(app)
    invoice = decide_extension(extension_request_id, approve, enqueue_job)
    invoice.refresh()
    logger.info("extension decided by admin", extra={"admin": admin, "approved": approve})
    return extension_view(invoice.extension_request) | {"invoice_id": invoice.invoice_id,
                                                        "due_date": invoice.due_date}


@app.post("/admin/extension-requests/<extension_request_id>/approve")
def approve(extension_request_id: str):
    return _decide(extension_request_id, True)


@app.post("/admin/extension-requests/<extension_request_id>/decline")
def decline(extension_request_id: str):
    return _decide(extension_request_id, False)


handler = lambda_entry(app)
