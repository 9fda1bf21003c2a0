"""POST /admin/problem-reports/{problem_report_id}/resolve: the merchant closes a report (Cognito admin group)."""

from shared.http.web import json_body, json_response, lambda_entry, logger, make_app, require_admin
from shared.services.problem_reports import report_view, resolve_report

app = make_app()


@app.post("/admin/problem-reports/<problem_report_id>/resolve")
def resolve(problem_report_id: str):
    admin = require_admin(app)
    report = resolve_report(problem_report_id, json_body(app))
    logger.info("problem report resolved by admin", extra={"admin": admin, "problem_report_id": problem_report_id})
    return json_response(200, report_view(report, resolved_fields=True))


handler = lambda_entry(app)
