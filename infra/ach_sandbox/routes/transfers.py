"""Transfers: initiate (validation, restricted customers, send limits, the settlement plan), read, cancel,
the failure of a failed one, and the lists searched by correlationId."""

import uuid

from aiohttp import web

from infra.ach_sandbox.hal import (
    error_response,
    format_amount,
    hal_response,
    id_from_href,
    not_found,
    parse_amount,
    parse_iso,
    read_json,
    validation_error,
)
from infra.ach_sandbox.rules import (
    CORRELATION_ID_FORMAT,
    RESTRICTED,
    RETURN_CODES,
    SEND_LIMITS,
    settlement_plan,
    week_of,
)
from infra.ach_sandbox.state import FundingSource, Transfer


class TransferRoutes:
    """Routes of AchSandbox (its table: server.py, build_app)."""

    async def list_customer_transfers(self, request):
        customer_id = request.match_info["id"]
        if customer_id not in self.customers:
            return not_found("Customer not found.")
        return self._transfer_list(
            f"/customers/{customer_id}/transfers", request, lambda t: t.customer_id == customer_id
        )

    async def list_account_transfers(self, request):
        if request.match_info["id"] != self.account_id:
            return not_found("Account not found.")
        return self._transfer_list(f"/accounts/{self.account_id}/transfers", request, lambda t: True)

    def _transfer_list(self, path: str, request, belongs) -> web.Response:
        """Dwolla's "List and search transfers" (for a customer, for an account): newest first, filtered by
        `correlationId` and `status` when given, `limit` (default 25) and `offset`."""
        query = request.query
        chosen = [
            t
            for t in reversed(list(self.transfers.values()))
            if belongs(t)
            and query.get("correlationId", t.correlation_id) == t.correlation_id
            and query.get("status", t.status) == t.status
        ]
        try:
            limit, offset = max(1, min(int(query.get("limit", 25)), 200)), max(0, int(query.get("offset", 0)))
        except ValueError:
            return validation_error(("Invalid", "Limit or offset invalid.", "/limit"))
        items = [self.transfer_body(t) for t in chosen[offset : offset + limit]]
        return hal_response(
            {"_links": {"self": self.link(path, "transfer")}, "_embedded": {"transfers": items}, "total": len(chosen)}
        )

    def transfer_body(self, t: Transfer) -> dict:
        path = f"/transfers/{t.id}"
        source, destination = self.funding_sources[t.source_fs], self.funding_sources[t.destination_fs]
        links = {
            "self": self.link(path, "transfer"),
            "source": self._owner_link(source),
            "destination": self._owner_link(destination),
            "source-funding-source": self.link(f"/funding-sources/{source.id}", "funding-source"),
            "destination-funding-source": self.link(f"/funding-sources/{destination.id}", "funding-source"),
        }
        if t.status == "pending":
            links["cancel"] = self.link(path, "transfer")
        if t.status == "failed":
            links["failure"] = self.link(f"{path}/failure", "failure")
        body = {
            "_links": links,
            "id": t.id,
            "status": t.status,
            "amount": {"value": format_amount(t.amount_cents), "currency": t.currency},
            "created": t.created,
            "clearing": {"source": "standard"},
            "individualAchId": t.individual_ach_id,
        }
        if t.metadata:
            body["metadata"] = t.metadata
        if t.correlation_id:
            body["correlationId"] = t.correlation_id
        return body

    def _owner_link(self, fs: FundingSource) -> dict:
        if fs.owner_kind == "customer":
            return self.link(f"/customers/{fs.owner_id}", "customer")
        return self.link(f"/accounts/{fs.owner_id}", "account")

    async def create_transfer(self, request):
        body = await read_json(request)
        links = body.get("_links") if isinstance(body.get("_links"), dict) else {}
        source_link = links.get("source") if isinstance(links.get("source"), dict) else {}
        dest_link = links.get("destination") if isinstance(links.get("destination"), dict) else {}
        errors = []
        if not source_link.get("href"):
            errors.append(("Required", "Source is required.", "/_links/source/href"))
        if not dest_link.get("href"):
            errors.append(("Required", "Destination is required.", "/_links/destination/href"))
        amount = body.get("amount")
        cents = None
        if not isinstance(amount, dict) or amount.get("value") in (None, ""):
            errors.append(("Required", "Amount is required.", "/amount/value"))
        else:
            cents = parse_amount(amount.get("value"))
            if cents is None or cents <= 0:
                errors.append(
                    ("InvalidFormat", "Invalid amount. The supplied amount must be a positive number.", "/amount/value")
                )
            if amount.get("currency") != "USD":
                errors.append(("Invalid", "Invalid currency.", "/amount/currency"))
        metadata = body.get("metadata")
        if metadata is not None and not (
            isinstance(metadata, dict)
            and len(metadata) <= 10
            and all(
                isinstance(k, str) and len(k) < 255 and isinstance(v, (str, int, bool)) and len(str(v)) < 255
                for k, v in metadata.items()
            )
        ):
            errors.append(("Invalid", "Invalid metadata.", "/metadata"))
        correlation_id = body.get("correlationId")
        if correlation_id is not None and (
            not isinstance(correlation_id, str) or not CORRELATION_ID_FORMAT.match(correlation_id)
        ):
            errors.append(
                (
                    "InvalidFormat",
                    "Correlation id must be at least one character and up to 255 characters when supplied.",
                    "/correlationId",
                )
            )
        if errors:
            return validation_error(*errors)
        source = self.funding_sources.get(id_from_href(source_link["href"], "funding-sources") or "")
        destination = self.funding_sources.get(id_from_href(dest_link["href"], "funding-sources") or "")
        if source is None or source.removed:
            return validation_error(("Invalid", "Funding source not found.", "/_links/source/href"))
        if destination is None:
            return validation_error(("Invalid", "Receiver not found.", "/_links/destination/href"))
        if source.status != "verified":
            return validation_error(("Invalid", "Invalid funding source.", "/_links/source/href"))
        if destination.removed:
            return validation_error(("Invalid", "Invalid destination funding source.", "/_links/destination/href"))
        if (source.owner_kind, source.owner_id) == (destination.owner_kind, destination.owner_id):
            return validation_error(
                ("Invalid", "Receiver cannot be the owner of the source funding source.", "/_links/destination/href")
            )
        for fs, who, path in (
            (source, "Sender", "/_links/source/href"),
            (destination, "Receiver", "/_links/destination/href"),
        ):
            if fs.owner_kind == "customer" and self.customers[fs.owner_id]["status"] in RESTRICTED:
                return validation_error(("Restricted", f"{who} restricted.", path))
        if source.owner_kind == "customer" and cents > self._send_allowance(self.customers[source.owner_id]):
            return validation_error(
                (
                    "Invalid",
                    "Invalid amount. The supplied amount is greater than your transaction limit.",
                    "/amount/value",
                )
            )
        customer_fs = source if source.owner_kind == "customer" else destination
        plan = (
            settlement_plan(customer_fs.account_number, customer_fs.name)
            if customer_fs.owner_kind == "customer"
            else (None, False)
        )
        transfer = Transfer(
            id=str(uuid.uuid4()),
            source_fs=source.id,
            destination_fs=destination.id,
            amount_cents=cents,
            metadata=metadata or None,
            correlation_id=correlation_id,
            customer_id=customer_fs.owner_id if customer_fs.owner_kind == "customer" else None,
            plan=plan,
            created=self.now_iso(),
        )
        self.transfers[transfer.id] = transfer
        self.emit_transfer(transfer, "created")
        if self.settle_seconds is not None:
            self._later(self.settle_seconds, self._settle_transfer, transfer.id)
        return hal_response(None, status=201, headers={"Location": self.href(f"/transfers/{transfer.id}")})

    def _send_allowance(self, customer: dict) -> int:
        """Cents the customer may still send now: its type's limit ("Customer Types"); for an unverified customer
        $5,000 less what it sent this Dwolla week (Monday to Sunday UTC) in transfers pending or processed."""
        period, limit = SEND_LIMITS[customer["type"]]
        if period == "transfer":
            return limit
        start, end = week_of(self.now())
        sent = sum(
            t.amount_cents
            for t in self.transfers.values()
            if t.status in ("pending", "processed")
            and start <= parse_iso(t.created) < end
            and self.funding_sources[t.source_fs].owner_kind == "customer"
            and self.funding_sources[t.source_fs].owner_id == customer["id"]
        )
        return max(0, limit - sent)

    async def get_transfer(self, request):
        transfer = self.transfers.get(request.match_info["id"])
        return hal_response(self.transfer_body(transfer)) if transfer else not_found("Transfer not found.")

    async def update_transfer(self, request):
        transfer = self.transfers.get(request.match_info["id"])
        if transfer is None:
            return not_found("Transfer not found.")
        body = await read_json(request)
        if body.get("status") != "cancelled":
            return validation_error(("Invalid", "Status invalid.", "/status"))
        if transfer.status != "pending":
            return error_response(403, "InvalidResourceState", "Resource cannot be modified.")
        transfer.status = "cancelled"
        self.emit_transfer(transfer, "cancelled")
        return hal_response(self.transfer_body(transfer))

    async def get_transfer_failure(self, request):
        transfer = self.transfers.get(request.match_info["id"])
        if transfer is None or transfer.status != "failed":
            return not_found("Transfer failure not found." if transfer else "Transfer not found.")
        description, explanation, *_actions = RETURN_CODES[transfer.failure_code]
        failed = self.funding_sources[transfer.failed_fs]
        links = {
            "self": self.link(f"/transfers/{transfer.id}/failure", "failure"),
            "failed-funding-source": self.link(f"/funding-sources/{failed.id}", "funding-source"),
        }
        if failed.owner_kind == "customer":
            links["customer"] = self.link(f"/customers/{failed.owner_id}", "customer")
        return hal_response(
            {"_links": links, "code": transfer.failure_code, "description": description, "explanation": explanation}
        )
