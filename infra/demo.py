"""The portal demo from the terminal, against a running local stack, with only HTTP and boto3 (what a
portal frontend and Stripe.js would do; it imports nothing of the backend):

  python -m infra.demo                       list invoices, then pay one in full
  python -m infra.demo invoices [--email E]
  python -m infra.demo pay [--invoice ID|NUMBER] [--amount CENTS] [--decline] [--email E]
  python -m infra.demo token [--email E]      print an ID token (for curl); the merchant's admin login too
  python -m infra.demo emails                 every email the stack sent (SES, and Cognito's invitations and codes)

Reads .local/stack.json (or --stack-file / LOCAL_STACK_FILE).
"""

import argparse
import json
import os
import sys
import time
import uuid
from pathlib import Path

import boto3
import requests

DEFAULT_STACK_FILE = Path(__file__).resolve().parent.parent / ".local" / "stack.json"
DECLINE_CARD = "4000000000000341"  # localstripe declines this one on charge (payment_intent.payment_failed)
STRIPE_SECRET_KEY = "sk_test_local_portal"  # localstripe's key; Stripe.js would use the publishable key


class Portal:
    """One signed-in client of the portal."""

    def __init__(self, stack: dict, email: str | None = None, password: str | None = None):
        self.stack = stack
        users = stack["demo_users"] + stack.get("admin_users", [])
        user = next((u for u in users if email in (None, u["email"])), None)
        if user is None:
            raise SystemExit(f"no demo user {email!r}; demo users: {[u['email'] for u in users]}")
        self.email, self.client_id = user["email"], user.get("client_id")
        self.token = login(stack, user["email"], password or user["password"])
        self.http = requests.Session()
        self.http.trust_env = False  # everything is on 127.0.0.1
        self.http.headers["Authorization"] = f"Bearer {self.token}"

    def get(self, path: str, **params) -> requests.Response:
        return self.http.get(self.stack["api_url"] + path, params=params or None, timeout=30)

    def post(self, path: str, body: dict, headers: dict | None = None) -> requests.Response:
        return self.http.post(self.stack["api_url"] + path, json=body, headers=headers, timeout=30)

    def invoices(self) -> list[dict]:
        response = self.get("/invoices")
        response.raise_for_status()
        return response.json()["invoices"]

    def start_payment(self, invoice_id: str, amount: int | None = None, key: str | None = None) -> requests.Response:
        body = {"method": "card"} | ({"amount": amount} if amount is not None else {})
        return self.post(
            f"/invoices/{invoice_id}/payments", body, headers={"Idempotency-Key": key or str(uuid.uuid4())}
        )

    def wait_for_outcome(self, payment_id: str, timeout: float = 20) -> dict:
        """Poll until the webhook has moved the payment out of pending."""
        deadline = time.monotonic() + timeout
        while True:
            payment = self.get(f"/payments/{payment_id}").json()
            if payment.get("status") != "pending" or time.monotonic() > deadline:
                return payment
            time.sleep(0.25)


def login(stack: dict, email: str, password: str) -> str:
    """Cognito InitiateAuth (USER_PASSWORD_AUTH) against the local user pool; returns the ID token."""
    cognito = boto3.client(
        "cognito-idp",
        endpoint_url=stack["aws_endpoint_url"],
        region_name=stack["region"],
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    result = cognito.initiate_auth(
        ClientId=stack["user_pool_client_id"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password},
    )
    return result["AuthenticationResult"]["IdToken"]


def confirm_card(stack: dict, client_secret: str, *, decline: bool = False) -> dict:
    """What Stripe.js does with the card the client typed. localstripe 1.15 answers 500 to confirm with
    payment_method, so the method is set by an update first, then the intent is confirmed."""
    stripe = requests.Session()
    stripe.trust_env = False
    stripe.auth = (STRIPE_SECRET_KEY, "")
    base = stack["stripe_api_base"]
    intent_id = client_secret.split("_secret")[0]
    method = "pm_card_visa"
    if decline:
        method = stripe.post(
            f"{base}/v1/payment_methods",
            timeout=10,
            data={
                "type": "card",
                "card[number]": DECLINE_CARD,
                "card[exp_month]": "12",
                "card[exp_year]": "2030",
                "card[cvc]": "123",
            },
        ).json()["id"]
    stripe.post(
        f"{base}/v1/payment_intents/{intent_id}", data={"payment_method": method}, timeout=10
    ).raise_for_status()
    return stripe.post(f"{base}/v1/payment_intents/{intent_id}/confirm", timeout=10).json()  # 402 on decline


def sent_emails(stack: dict) -> list[dict]:
    """What SES accepted, from moto's record: data.json -> ses -> Message [{subject, destinations, ...}]."""
    data = requests.get(
        f"{stack['aws_endpoint_url']}/moto-api/data.json", timeout=10, proxies={"http": None, "https": None}
    ).json()
    return data.get("ses", {}).get("Message", [])


def wait_for_receipt(stack: dict, invoice_number: str, timeout: float = 15) -> str | None:
    """Receipts go webhook -> SQS -> receipt worker -> SES, so they arrive shortly after the payment."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        subjects = [m.get("subject", "") for m in sent_emails(stack)]
        match = next((s for s in subjects if invoice_number in s), None)
        if match:
            return match
        time.sleep(0.25)
    return None


def show_emails(stack: dict) -> None:
    """What /_local/emails shows, as text: Cognito's sign-in emails, then SES's, newest first."""
    emails = requests.get(
        f"{stack['api_url']}/_local/emails.json", timeout=10, proxies={"http": None, "https": None}
    ).json()
    print(f"Sign-in emails from Cognito ({len(emails['cognito'])}), newest first:")
    for m in emails["cognito"]:
        print(f"  {m['sent_at']}  to {m['to']}  {m['subject']!r}\n    {m['text']}")
    print(f"Receipts and notices sent through SES ({len(emails['ses'])}), newest first:")
    for m in emails["ses"]:
        print(f"  to {m['to']}  {m['subject']!r}")
    print(f"Bodies: {stack['api_url']}/_local/emails")


def load_stack(path: Path) -> dict:
    if not path.exists():
        raise SystemExit(f"{path} not found: start the local stack first (make local)")
    return json.loads(path.read_text())


def _money(cents: int) -> str:
    return f"${cents / 100:,.2f}"


def show_invoices(portal: Portal) -> None:
    print(f"Invoices of {portal.email} ({portal.client_id}):")
    for i in portal.invoices():
        flags = ", ".join(
            f
            for f in (
                "overdue" if i["overdue"] else "",
                f"partial ok, min {_money(i['minimum_payment'])}" if i["allow_partial"] else "",
            )
            if f
        )
        print(
            f"  {i['number']}  {i['invoice_id']:<28} {i['status']:<15} balance {_money(i['balance']):>12}"
            f"  due {i['due_date']}{'  (' + flags + ')' if flags else ''}"
        )


def pay(portal: Portal, invoice: str | None, amount: int | None, decline: bool) -> int:
    invoices = portal.invoices()
    chosen = next(
        (i for i in invoices if invoice in (i["invoice_id"], i["number"]))
        if invoice
        else (i for i in invoices if i["payable"] and i["status"] == "open"),
        None,
    )
    if chosen is None:
        print(f"no such payable invoice: {invoice or '(any open)'}")
        return 1
    print(
        f"Paying {chosen['number']} ({chosen['invoice_id']}): {_money(amount or chosen['balance'])} by card"
        f"{' with the declining card ' + DECLINE_CARD if decline else ' (Visa 4242)'}"
    )
    started = portal.start_payment(chosen["invoice_id"], amount)
    if started.status_code != 201:
        print(f"  refused: {started.status_code} {started.json()}")
        return 1
    payment = started.json()
    print(f"  payment {payment['payment_id']} {payment['status']}; confirming with Stripe as Stripe.js would")
    confirm_card(portal.stack, payment["client_secret"], decline=decline)
    payment = portal.wait_for_outcome(payment["payment_id"])
    print(f"  payment {payment['status']}" + (f": {payment['failure']['message']}" if payment.get("failure") else ""))
    after = portal.get(f"/invoices/{chosen['invoice_id']}").json()
    print(
        f"  invoice {after['number']} now {after['status']}, balance {_money(after['balance'])}, "
        f"paid {_money(after['amount_paid'])}"
    )
    if payment["status"] == "succeeded":
        subject = wait_for_receipt(portal.stack, after["number"])
        print(f"  receipt email: {subject!r}" if subject else "  receipt email: not sent yet")
    return 0 if payment["status"] in ("succeeded", "failed") else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Portal demo against the local stack.")
    parser.add_argument("command", nargs="?", default="demo", choices=["demo", "invoices", "pay", "token", "emails"])
    parser.add_argument("--stack-file", type=Path, default=Path(os.environ.get("LOCAL_STACK_FILE", DEFAULT_STACK_FILE)))
    parser.add_argument("--email", help="demo user (default: the first one)")
    parser.add_argument("--invoice", help="invoice id or number (default: the first open one)")
    parser.add_argument("--amount", type=int, help="amount in cents, for a partial payment")
    parser.add_argument("--decline", action="store_true", help=f"pay with the declining card {DECLINE_CARD}")
    args = parser.parse_args(argv)
    stack = load_stack(args.stack_file)
    if args.command == "emails":
        show_emails(stack)
        return 0
    portal = Portal(stack, args.email)
    if args.command == "token":
        print(portal.token)
        return 0
    if args.command in ("invoices", "demo"):
        show_invoices(portal)
    if args.command in ("pay", "demo"):
        return pay(portal, args.invoice, args.amount, args.decline)
    return 0


if __name__ == "__main__":
    sys.exit(main())
