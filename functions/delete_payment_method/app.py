"""DELETE /payment-methods/{payment_method_id}: detach it at the processor and forget it here (autopay that paid
with it is turned off, and the client emailed)."""

from shared.aws.notify import enqueue_job
from shared.http.web import client_id_of, json_response, lambda_entry, make_app
from shared.processors.factory import ach_processor, card_processor
from shared.services.saved_methods import delete_method

app = make_app()


def _detach(method) -> None:
    """Make sure the processor can never charge it again before it disappears from the list."""
    if method.processor == "stripe":
        card_processor().detach(method.processor_method_id)
    else:
        ach_processor().remove_bank_account(method.processor_method_id)


@app.delete("/payment-methods/<payment_method_id>")
def delete(payment_method_id: str):
    delete_method(client_id_of(app), payment_method_id, _detach, enqueue_job)
    return json_response(204, None)


handler = lambda_entry(app)
