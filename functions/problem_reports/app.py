"""POST /payments/{payment_id}/problem-reports: tell the merchant something is wrong with a payment."""

from shared.aws.notify import enqueue_job
from shared.http.web import client_id_of, json_body, json_response, lambda_entry, make_app
from shared.services.problem_reports import open_report, report_view

app = make_app()


@app.post("/payments/<payment_id>/problem-reports")
def create(payment_id: str):
    report = open_report(client_id_of(app), payment_id, json_body(app), enqueue_job)
    return json_response(201, report_view(report))


handler = lambda_entry(app)
