"""python -m infra.ach_sandbox --port 8430 --settle-seconds 5: the sandbox on its own, until Ctrl-C."""

import argparse
import threading

from infra import ach_sandbox
from infra.ach_sandbox import (
    DEFAULT_ACCOUNT_ID,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_MERCHANT_FUNDING_SOURCE_ID,
    AchSandbox,
)


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m infra.ach_sandbox", description=ach_sandbox.__doc__.splitlines()[0]
    )
    parser.add_argument("--port", type=int, default=8430)
    parser.add_argument(
        "--settle-seconds",
        type=float,
        default=5.0,
        help="delay before a pending transfer or micro-deposit settles; negative: only via POST /sandbox-simulations",
    )
    parser.add_argument(
        "--webhook-retry-seconds",
        type=float,
        default=1.0,
        help="first webhook retry interval; later ones follow Dwolla's schedule proportionally",
    )
    parser.add_argument("--client-id", default=DEFAULT_CLIENT_ID)
    parser.add_argument("--client-secret", default=DEFAULT_CLIENT_SECRET)
    parser.add_argument("--account-id", default=DEFAULT_ACCOUNT_ID)
    parser.add_argument("--merchant-funding-source-id", default=DEFAULT_MERCHANT_FUNDING_SOURCE_ID)
    args = parser.parse_args()
    sandbox = AchSandbox(
        port=args.port,
        settle_seconds=args.settle_seconds,
        webhook_retry_seconds=args.webhook_retry_seconds,
        client_id=args.client_id,
        client_secret=args.client_secret,
        account_id=args.account_id,
        merchant_funding_source_id=args.merchant_funding_source_id,
    ).start()
    print(
        f"ACH sandbox (Dwolla API v2 subset) on {sandbox.url}\n"
        f"  client id / secret:        {sandbox.client_id} / {sandbox.client_secret}\n"
        f"  account:                   {sandbox.href('/accounts/' + sandbox.account_id)}\n"
        f"  merchant funding source:   {sandbox.href('/funding-sources/' + sandbox.merchant_funding_source_id)}\n"
        f"  settlement after:          "
        f"{'POST /sandbox-simulations only' if sandbox.settle_seconds is None else f'{sandbox.settle_seconds}s'}",
        flush=True,
    )
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()


if __name__ == "__main__":
    main()
