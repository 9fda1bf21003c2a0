"""ops-rotate-webhook-secret: change a processor's webhook signing secret without refusing a single event.

    ops-rotate-webhook-secret --stack S --processor stripe < new-secret     # begin: both secrets accepted
    ops-rotate-webhook-secret --stack S --processor stripe --finish         # end: only the new one

Beginning makes the new secret `webhook_secret` and keeps the old one accepted until the overlap ends
(`previous_webhook_secret`, `previous_webhook_secret_expires_at`; shared/aws/secrets.py). The functions read the secret
again within 5 minutes. The new secret is read from standard input and never printed."""

import argparse
import json
import sys
import time

from ops import stack
from ops.audit import log

SECRETS = {"stripe": "StripeSecret", "ach": "AchSecret"}
DEFAULT_OVERLAP_HOURS = 24  # long enough to switch the processor over and for its retries of older deliveries


def begin(
    secrets_manager,
    secret_id: str,
    processor: str,
    new_secret: str,
    overlap_hours: float,
    now: float | None = None,
    out=None,
) -> dict:
    from shared.aws.secrets import PREVIOUS_WEBHOOK_SECRET, PREVIOUS_WEBHOOK_SECRET_EXPIRES_AT, is_configured

    out = out or sys.stdout
    new_secret = new_secret.strip()
    if not is_configured(new_secret) or len(new_secret) < 16:
        raise SystemExit("error: the new secret is empty or too short (16 characters at least)")
    if processor == "stripe" and not new_secret.startswith("whsec_"):
        raise SystemExit("error: a Stripe webhook signing secret starts with whsec_")
    current = json.loads(secrets_manager.get_secret_value(SecretId=secret_id)["SecretString"])
    old = current.get("webhook_secret")
    if old == new_secret:
        raise SystemExit("error: that is already the current secret; nothing changed")
    expires_at = int((time.time() if now is None else now) + overlap_hours * 3600)
    updated = current | {"webhook_secret": new_secret}
    if is_configured(old):  # an old "unset" is nothing to keep accepting
        updated |= {PREVIOUS_WEBHOOK_SECRET: old, PREVIOUS_WEBHOOK_SECRET_EXPIRES_AT: expires_at}
    secrets_manager.put_secret_value(SecretId=secret_id, SecretString=json.dumps(updated))
    log.info("webhook secret rotation begun", extra={"processor": processor, "overlap_ends": expires_at})
    print(
        f"{processor}: the new secret is current; the old one is accepted until "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(expires_at))}. Functions see it within 5 minutes.",
        file=out,
    )
    return updated


def finish(secrets_manager, secret_id: str, processor: str, out=None) -> dict:
    from shared.aws.secrets import PREVIOUS_WEBHOOK_SECRET, PREVIOUS_WEBHOOK_SECRET_EXPIRES_AT

    out = out or sys.stdout
    current = json.loads(secrets_manager.get_secret_value(SecretId=secret_id)["SecretString"])
    if PREVIOUS_WEBHOOK_SECRET not in current:
        print(f"{processor}: no previous secret is accepted; nothing to finish", file=out)
        return current
    updated = {
        k: v for k, v in current.items() if k not in (PREVIOUS_WEBHOOK_SECRET, PREVIOUS_WEBHOOK_SECRET_EXPIRES_AT)
    }
    secrets_manager.put_secret_value(SecretId=secret_id, SecretString=json.dumps(updated))
    log.info("webhook secret rotation finished", extra={"processor": processor})
    print(f"{processor}: only the new secret is accepted now (within 5 minutes)", file=out)
    return updated


def main(argv: list[str] | None = None, stdin=None) -> dict:
    parser = argparse.ArgumentParser(prog="ops-rotate-webhook-secret", description=__doc__.splitlines()[0])
    stack.add_arguments(parser)
    parser.add_argument("--processor", required=True, choices=sorted(SECRETS))
    parser.add_argument("--finish", action="store_true", help="stop accepting the previous secret now")
    parser.add_argument(
        "--overlap-hours",
        type=float,
        default=DEFAULT_OVERLAP_HOURS,
        help=f"how long the old secret stays accepted (default {DEFAULT_OVERLAP_HOURS})",
    )
    parser.add_argument("--secret-id", help="the secret's ARN, instead of the stack's")
    args = parser.parse_args(argv)
    resources = stack.resolve(args)
    import boto3

    secret_id = stack.required(resources, SECRETS[args.processor], args.secret_id, "secret ARN")
    client = boto3.client("secretsmanager")
    if args.finish:
        return finish(client, secret_id, args.processor)
    stream = stdin or sys.stdin
    if stream.isatty():
        print("new webhook secret (not echoed), then Enter:", file=sys.stderr)
        import getpass

        return begin(client, secret_id, args.processor, getpass.getpass(""), args.overlap_hours)
    return begin(client, secret_id, args.processor, stream.read(), args.overlap_hours)


if __name__ == "__main__":
    main()
