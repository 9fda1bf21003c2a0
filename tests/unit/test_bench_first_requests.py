"""`make bench` measures every API and queue function's cold start with a first request of its own
(bench/cold_start_requests.py): a function the template gains without one stopped the whole bench."""

import sys

from infra import template
from tests.helpers import ROOT


def test_every_api_and_queue_function_has_a_first_request_in_the_bench():
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import cold_start_requests
    finally:
        sys.path.remove(str(ROOT / "bench"))
    functions = {r["function"] for r in template.http_routes()} | {s["function"] for s in template.sqs_event_sources()}
    assert sorted(functions - set(cold_start_requests.REQUESTS)) == []
    assert sorted(set(cold_start_requests.REQUESTS) - functions) == []
