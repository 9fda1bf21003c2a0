"""Which payments have a receipt, and the number a person quotes for one: what the API's views share with the
emails, apart from the emails' rendering (so a read function does not load it)."""

import hashlib

# Payment statuses a receipt exists for: the money arrived, whatever happened to it later.
RECEIPTED = ("succeeded", "refunded", "partially_refunded", "disputed")


def receipt_number(record_id: str) -> str:
    """What a person quotes on the phone, instead of an internal id: 12 digits derived from the record's id
    (stable, so every email and reply about one payment names the same number), e.g. '4821-0937-5512'."""
    digits = str(int(hashlib.sha256(record_id.encode()).hexdigest(), 16) % 10**12).zfill(12)
    return f"{digits[:4]}-{digits[4:8]}-{digits[8:]}"
