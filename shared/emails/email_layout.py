"""One layout for every email, like a card processor's receipt: the merchant's name at the top, what happened,
the amount large, a table of details, what to do next, and how to get help. HTML (table layout, inline
styles: what email clients render) and a plain-text part that says the same. Pure rendering: no I/O."""

from dataclasses import dataclass, field, replace
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from shared.domain.merchant import Merchant
from shared.http.validation import one_line

_FONT = "-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif"
_MUTED = "#5a6272"


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Message:
    heading: str  # "Receipt from Acme Bookkeeping"
    greeting: str = ""
    amount: str = ""  # "$1,250.00", shown large
    caption: str = ""  # under the amount: "Paid December 1, 2026 at 9:26 AM EST"
    rows: tuple[tuple[str, str], ...] = ()  # the details table
    totals: tuple[tuple[str, str], ...] = ()  # a second block of the table, e.g. total / paid / balance
    paragraphs: tuple[str, ...] = field(default_factory=tuple)
    action: tuple[str, str] | None = None  # (label, url): a button in HTML, a line in text
    help_opening: str = "Questions?"


def local_time(iso_utc: str, merchant: Merchant) -> str:
    """'2026-12-01T14:26:00.000000Z' -> 'December 1, 2026 at 9:26 AM EST' in the merchant's time zone."""
    moment = datetime.fromisoformat(iso_utc.replace("Z", "+00:00")).astimezone(ZoneInfo(merchant.time_zone))
    return f"{moment:%B} {moment.day}, {moment.year} at {moment.hour % 12 or 12}:{moment:%M %p} {moment:%Z}"


def long_date(iso_date: str) -> str:
    """'2026-12-01' -> 'December 1, 2026'."""
    day = datetime.fromisoformat(iso_date[:10])
    return f"{day:%B} {day.day}, {day.year}"


def _rows_html(rows: tuple[tuple[str, str], ...], first_border: str) -> str:
    """first_border: the line above the first row ('' for none; a darker one above the totals)."""
    cells = []
    for i, (label, value) in enumerate(rows):
        border = (
            "border-top:1px solid #e3e6ee;" if i else (f"border-top:1px solid {first_border};" if first_border else "")
        )
        cells.append(
            f'<tr><td style="{border}padding:10px 0;font-size:14px;color:{_MUTED};">{escape(label)}</td>'
            f'<td align="right" style="{border}padding:10px 0;font-size:14px;font-weight:600;">'
            f"{escape(value)}</td></tr>"
        )
    return "".join(cells)


def _single_lines(message: Message) -> Message:
    """Every piece of text on one line: names, invoice numbers and reasons stored before the API refused control
    and direction-changing characters (shared.http.validation) cannot break a line or reorder the text around them."""
    pairs = lambda rows: tuple((one_line(a), one_line(b)) for a, b in rows)  # noqa: E731
    return replace(
        message,
        heading=one_line(message.heading),
        greeting=one_line(message.greeting),
        amount=one_line(message.amount),
        caption=one_line(message.caption),
        rows=pairs(message.rows),
        totals=pairs(message.totals),
        paragraphs=tuple(one_line(p) for p in message.paragraphs),
        action=(one_line(message.action[0]), message.action[1]) if message.action else None,
    )


def render(to: str, subject: str, message: Message, merchant: Merchant) -> Email:
    subject, message = one_line(subject), _single_lines(message)  # a subject is a header: never a line break
    help_line = merchant.help_line(message.help_opening)
    text_lines = [merchant.name, "", message.heading]
    if message.amount:
        text_lines += [message.amount]
    if message.caption:
        text_lines += [message.caption]
    text_lines += [""]
    if message.greeting:
        text_lines += [message.greeting, ""]
    text_lines += [f"{label}: {value}" for label, value in message.rows]
    if message.totals:
        text_lines += ["", *(f"{label}: {value}" for label, value in message.totals)]
    for paragraph in message.paragraphs:
        text_lines += ["", paragraph]
    if message.action:
        text_lines += ["", f"{message.action[0]}: {message.action[1]}"]
    text_lines += ["", help_line, "", merchant.name]

    amount = (
        (
            f'<tr><td style="padding:6px 32px 0;font-size:36px;line-height:1.2;font-weight:700;">'
            f"{escape(message.amount)}</td></tr>"
        )
        if message.amount
        else ""
    )
    caption = (
        f'<tr><td style="padding:4px 32px 0;font-size:14px;color:{_MUTED};">{escape(message.caption)}</td></tr>'
        if message.caption
        else ""
    )
    greeting = f'<p style="margin:0 0 12px;">{escape(message.greeting)}</p>' if message.greeting else ""
    table = ""
    if message.rows or message.totals:
        table = (
            '<tr><td style="padding:20px 32px 0;"><table role="presentation" width="100%" cellpadding="0" '
            'cellspacing="0" style="border-collapse:collapse;">'
            + _rows_html(message.rows, "")
            + _rows_html(message.totals, "#9aa1b1" if message.rows else "")
            + "</table></td></tr>"
        )
    paragraphs = "".join(f'<p style="margin:0 0 12px;">{escape(p)}</p>' for p in message.paragraphs)
    button = ""
    if message.action:
        label, url = message.action
        button = (
            f'<tr><td style="padding:4px 32px 8px;"><a href="{escape(url)}" style="display:inline-block;'
            "background:#3048c8;color:#ffffff;text-decoration:none;font-weight:600;font-size:15px;"
            f'padding:11px 20px;border-radius:6px;">{escape(label)}</a></td></tr>'
        )
    html = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(subject)}</title></head>'
        f'<body style="margin:0;padding:0;background:#f4f5f8;">'
        f'<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f5f8;">'
        f'<tr><td align="center" style="padding:32px 12px;">'
        f'<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;'
        f'background:#ffffff;border:1px solid #e3e6ee;border-radius:10px;font-family:{_FONT};color:#1b1f2a;">'
        f'<tr><td style="padding:28px 32px 0;font-size:16px;font-weight:700;color:#3048c8;">{escape(merchant.name)}</td></tr>'
        f'<tr><td style="padding:14px 32px 0;font-size:15px;color:{_MUTED};">{escape(message.heading)}</td></tr>'
        f"{amount}{caption}{table}"
        f'<tr><td style="padding:20px 32px 4px;font-size:15px;line-height:1.5;overflow-wrap:anywhere;">'
        f"{greeting}{paragraphs}</td></tr>"
        f"{button}"
        f'<tr><td style="padding:18px 32px 28px;border-top:1px solid #e3e6ee;font-size:13px;line-height:1.5;overflow-wrap:anywhere;'
        f'color:{_MUTED};">{escape(help_line)}<br>{escape(merchant.name)}</td></tr>'
        f"</table></td></tr></table></body></html>"
    )
    return Email(to=to, subject=subject, text="\n".join(text_lines), html=html)
