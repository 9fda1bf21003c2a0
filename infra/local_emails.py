"""Every email the local stack sent, for a developer: the receipts and notices the functions sent through SES
(moto keeps them) and the invitations and password-reset codes Cognito would have sent (infra/cognito_mail.py).
The local gateway serves them at `/_local/emails` (a page) and `/_local/emails.json`; `python -m infra.demo
emails` prints them. Never deployed."""

import html

from moto.core import DEFAULT_ACCOUNT_ID

from infra import cognito_mail


def sent(region: str = "us-east-1") -> dict:
    """{"cognito": [...], "ses": [...]}, each newest first. SES messages are {"to", "from", "subject", "body"}
    (moto keeps the HTML part when there is one); Cognito's carry `kind` and `sent_at` too."""
    from moto.ses.models import ses_backends

    ses = []
    for message in ses_backends[DEFAULT_ACCOUNT_ID][region].sent_messages:
        destinations = getattr(message, "destinations", {})
        to = (
            [a for addresses in destinations.values() for a in addresses]
            if isinstance(destinations, dict)
            else list(destinations)
        )
        ses.append(
            {
                "to": ", ".join(to),
                "from": message.source,
                "subject": getattr(message, "subject", ""),
                "body": getattr(message, "body", None) or getattr(message, "raw_data", ""),
            }
        )
    return {"cognito": cognito_mail.sent()[::-1], "ses": ses[::-1]}


def page(emails: dict) -> bytes:
    """A plain page: Cognito's emails as text, SES's HTML bodies in sandboxed frames (no script runs)."""

    def cognito(m):
        return (
            f"<article><h3>{html.escape(m['subject'])}</h3><p class=meta>{html.escape(m['kind'])} to "
            f"<b>{html.escape(m['to'])}</b>, {html.escape(m['sent_at'])}</p><pre>{html.escape(m['text'])}</pre>"
            "</article>"
        )

    def ses(m):
        body = m["body"] or ""
        shown = (
            f'<iframe sandbox title="{html.escape(m["subject"])}" srcdoc="{html.escape(body)}"></iframe>'
            if "<" in body
            else f"<pre>{html.escape(body)}</pre>"
        )
        return (
            f"<article><h3>{html.escape(m['subject'])}</h3><p class=meta>to <b>{html.escape(m['to'])}</b> "
            f"from {html.escape(m['from'])}</p>{shown}</article>"
        )

    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Emails sent by the local stack</title>",
        "<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
        "article{border:1px solid #ccd;border-radius:8px;padding:.2rem 1rem;margin:.8rem 0}"
        ".meta{color:#555}iframe{width:100%;height:26rem;border:1px solid #eee}pre{white-space:pre-wrap}"
        "</style></head><body><h1>Emails sent by the local stack</h1>",
        "<p>Newest first. Also as JSON at <a href=/_local/emails.json>/_local/emails.json</a>; "
        "nothing here leaves this machine.</p>",
        f"<h2>Sign-in emails from Cognito ({len(emails['cognito'])})</h2>",
        "<p>Invitations with a temporary password (<code>ops-create-client</code>) and password-reset codes "
        "(\u201cForgot password?\u201d).</p>",
        *(cognito(m) for m in emails["cognito"]),
        f"<h2>Receipts and notices sent through SES ({len(emails['ses'])})</h2>",
        *(ses(m) for m in emails["ses"]),
        "</body></html>",
    ]
    return "".join(parts).encode()
