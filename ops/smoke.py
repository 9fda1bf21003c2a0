"""ops-smoke (python -m ops.smoke --api-url URL): is a deployed API up and wired? Pays nothing, changes nothing.

Each check is a request anyone may send: the public settings answer and name the user pool; a portal route
without a token is refused by the authorizer; each webhook runs its function, reads its processor's secret and
refuses an unsigned event (a 503 there means the secret is still "unset"); an unknown route is a 404. Prints one
line per check and exits 1 if any failed."""

import argparse
import json
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    millis: int


def _request(method: str, url: str, body: bytes | None = None, timeout: float = 15) -> tuple[int, object]:
    request = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw[:200].decode("utf-8", "replace")


def _code(body) -> str | None:
    return body.get("error", {}).get("code") if isinstance(body, dict) and isinstance(body.get("error"), dict) else None


def _settings(status, body):
    if status != 200 or not isinstance(body, dict):
        return False, f"{status}, expected 200 with the settings"
    missing = [k for k in ("user_pool_id", "user_pool_client_id", "region") if not body.get(k)]
    return (not missing), (f"user pool {body['user_pool_id']}" if not missing else f"missing {missing}")


def _needs_token(status, body):
    return status == 401, f"{status}, expected 401 from the authorizer"


def _webhook(processor):
    def check(status, body):
        if status == 400 and _code(body) == "invalid_signature":
            return True, "unsigned event refused; the secret is configured"
        if status == 503:
            return False, f"503: the {processor} secret is not configured (README, Deploying)"
        return False, f"{status} {body!r:.120}, expected 400 invalid_signature"

    return check


def _unknown_route(status, body):
    return status == 404, f"{status}, expected 404"


CHECKS = (
    ("portal settings", "GET", "/portal-settings", None, _settings),
    ("portal routes need a token", "GET", "/invoices", None, _needs_token),
    ("stripe webhook", "POST", "/webhooks/stripe", b"{}", _webhook("Stripe")),
    ("ACH webhook", "POST", "/webhooks/ach", b"{}", _webhook("ACH")),
    ("unknown route", "GET", "/no-such-route-smoke", None, _unknown_route),
)


def run(api_url: str, out=None) -> list[Check]:
    out = out or sys.stdout
    results = []
    for name, method, path, body, judge in CHECKS:
        started = time.monotonic()
        try:
            status, answer = _request(method, api_url.rstrip("/") + path, body)
            ok, detail = judge(status, answer)
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            ok, detail = False, f"no answer: {exc}"
        results.append(Check(name, ok, detail, int((time.monotonic() - started) * 1000)))
        print(f"{'ok  ' if ok else 'FAIL'} {name:<28} {results[-1].millis:>5} ms  {detail}", file=out)
    failed = [c.name for c in results if not c.ok]
    print(
        f"{len(results) - len(failed)}/{len(results)} checks passed"
        + (f"; failed: {', '.join(failed)}" if failed else ""),
        file=out,
    )
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="ops-smoke", description=__doc__.splitlines()[0])
    parser.add_argument("--api-url", required=True, help="the stack's ApiUrl output (or the local gateway's URL)")
    args = parser.parse_args(argv)
    sys.exit(0 if all(c.ok for c in run(args.api_url)) else 1)


if __name__ == "__main__":
    main()
