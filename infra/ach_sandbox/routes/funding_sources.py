"""Banks (funding sources): add (validation, duplicates, the limit of two, the blocklist, re-activation within
48 hours), list, rename, remove, and micro-deposits: initiate and verify."""

import re
import uuid

from aiohttp import web

from infra.ach_sandbox.hal import (
    error_response,
    hal_response,
    not_found,
    parse_amount,
    parse_iso,
    read_json,
    validation_error,
)
from infra.ach_sandbox.rules import (
    MAX_CUSTOMER_BANKS,
    MAX_MICRO_DEPOSIT_ATTEMPTS,
    MICRO_DEPOSIT_INVALID_ABOVE,
    REACTIVATION_WINDOW_SECONDS,
    RETURN_CODES,
    routing_number_valid,
)
from infra.ach_sandbox.state import FundingSource, MicroDeposits


class FundingSourceRoutes:
    """Routes of AchSandbox (its table: server.py, build_app)."""

    async def list_account_funding_sources(self, request):
        if request.match_info["id"] != self.account_id:
            return not_found("Account not found.")
        return self._funding_source_list(
            f"/accounts/{self.account_id}/funding-sources", "account", self.account_id, request
        )

    def _funding_source_list(self, path: str, owner_kind: str, owner_id: str, request) -> web.Response:
        include_removed = request.query.get("removed", "true") != "false"
        items = [
            self.funding_source_body(fs)
            for fs in self.funding_sources.values()
            if fs.owner_kind == owner_kind and fs.owner_id == owner_id and (include_removed or not fs.removed)
        ]
        return hal_response(
            {
                "_links": {"self": self.link(path, "funding-source")},
                "_embedded": {"funding-sources": items},
                "total": len(items),
            }
        )

    async def list_customer_funding_sources(self, request):
        customer_id = request.match_info["id"]
        if customer_id not in self.customers:
            return not_found("Customer not found.")
        return self._funding_source_list(f"/customers/{customer_id}/funding-sources", "customer", customer_id, request)

    def funding_source_body(self, fs: FundingSource) -> dict:
        path = f"/funding-sources/{fs.id}"
        links = {"self": self.link(path, "funding-source")}
        if fs.owner_kind == "customer":
            links["customer"] = self.link(f"/customers/{fs.owner_id}", "customer")
        else:
            links["account"] = self.link(f"/accounts/{fs.owner_id}", "account")
        if not fs.removed:
            if fs.owner_kind == "customer":
                links["remove"] = self.link(path, "funding-source")
            if fs.status == "verified":
                links["transfer-send"] = self.link("/transfers", "transfer")
            links["transfer-receive"] = self.link("/transfers", "transfer")
            micro = fs.micro
            if fs.status == "unverified" and fs.type == "bank":
                if micro is None:
                    links["initiate-micro-deposits"] = self.link(f"{path}/micro-deposits", "micro-deposits")
                elif micro.max_attempts_reached:
                    links["failed-verification-micro-deposits"] = self.link(f"{path}/micro-deposits", "micro-deposits")
                elif micro.status == "processed":
                    links["verify-micro-deposits"] = self.link(f"{path}/micro-deposits", "micro-deposits")
            if micro is not None:
                links["micro-deposits"] = self.link(f"{path}/micro-deposits", "micro-deposits")
        body = {
            "_links": links,
            "id": fs.id,
            "status": fs.status,
            "type": fs.type,
            "name": fs.name,
            "created": fs.created,
            "removed": fs.removed,
        }
        if fs.type == "bank":
            body.update(
                bankAccountType=fs.bank_account_type,
                channels=["ach"],
                bankName=fs.bank_name,
                fingerprint=fs.fingerprint,
            )
        return body

    async def create_funding_source(self, request):
        customer_id = request.match_info["id"]
        customer = self.customers.get(customer_id)
        if customer is None:
            return not_found("Customer not found.")
        body = await read_json(request)
        routing, account = body.get("routingNumber"), body.get("accountNumber")
        account_type, name = body.get("bankAccountType"), body.get("name")
        errors = []
        if not isinstance(routing, str) or not routing:
            errors.append(("Required", "RoutingNumber is required.", "/routingNumber"))
        elif not re.fullmatch(r"\d{9}", routing):
            errors.append(("InvalidFormat", "Routing number must be exactly 9 characters.", "/routingNumber"))
        elif not routing_number_valid(routing):
            errors.append(("Invalid", "Routing number invalid.", "/routingNumber"))
        if not isinstance(account, str) or not account:
            errors.append(("Required", "AccountNumber is required.", "/accountNumber"))
        elif not re.fullmatch(r"\d{4,17}", account):
            errors.append(
                ("InvalidFormat", "Account number must be a numeric string of 4-17 digits.", "/accountNumber")
            )
        if not isinstance(account_type, str) or not account_type:
            errors.append(("Required", "BankAccountType is required.", "/bankAccountType"))
        elif account_type not in ("checking", "savings"):
            errors.append(("Invalid", "BankAccountType invalid.", "/bankAccountType"))
        if not isinstance(name, str) or not name.strip():
            errors.append(("Required", "Name is required.", "/name"))
        elif len(name) > 50:
            errors.append(("InvalidFormat", "Name must be 50 characters or less.", "/name"))
        if errors:
            return validation_error(*errors)
        if (routing, account) in self.blocklist:
            return validation_error(("Invalid", "Bank account is blocklisted.", "/accountNumber"))
        owned = [
            fs for fs in self.funding_sources.values() if fs.owner_kind == "customer" and fs.owner_id == customer_id
        ]
        active = [fs for fs in owned if not fs.removed]
        duplicate = next((fs for fs in active if fs.routing_number == routing and fs.account_number == account), None)
        if duplicate:
            return error_response(
                400,
                "DuplicateResource",
                f"Bank already exists: id={duplicate.id}",
                _links={"about": self.link(f"/funding-sources/{duplicate.id}", "funding-source")},
            )
        if len(active) >= MAX_CUSTOMER_BANKS:
            return error_response(400, "MaxNumberOfResources", "The maximum number of banks have been added.")
        # "Remove a funding source": an unverified bank removed and added again within 48 hours of its creation
        # is re-activated, keeping its id (and, here, its micro-deposits: Dwolla's guide says to wait those 48
        # hours after failed attempts before verifying again).
        revived = next(
            (
                fs
                for fs in owned
                if fs.removed
                and fs.status == "unverified"
                and fs.type == "bank"
                and (fs.routing_number, fs.account_number) == (routing, account)
                and (self.now() - parse_iso(fs.created)).total_seconds() < REACTIVATION_WINDOW_SECONDS
            ),
            None,
        )
        if revived is not None:
            revived.removed = False
            fs = revived
        else:
            fs = FundingSource(
                id=str(uuid.uuid4()),
                owner_kind="customer",
                owner_id=customer_id,
                name=name.strip(),
                routing_number=routing,
                account_number=account,
                bank_account_type=account_type,
                created=self.now_iso(),
            )
            self.funding_sources[fs.id] = fs
        self.emit("customer_funding_source_added", "funding-sources", fs.id, customer_id)
        return hal_response(None, status=201, headers={"Location": self.href(f"/funding-sources/{fs.id}")})

    async def get_funding_source(self, request):
        fs = self.funding_sources.get(request.match_info["id"])
        return hal_response(self.funding_source_body(fs)) if fs else not_found("Funding source not found.")

    async def update_funding_source(self, request):
        """Dwolla's update/remove: {"name": ...} renames, {"removed": true} removes."""
        fs = self.funding_sources.get(request.match_info["id"])
        if fs is None:
            return not_found("Funding source not found.")
        body = await read_json(request)
        if fs.owner_kind != "customer":
            return error_response(403, "Forbidden", "The supplied credentials are not authorized for this resource.")
        if body.get("removed") is True:
            if not fs.removed:
                self._remove_funding_source(fs)
            return hal_response(self.funding_source_body(fs))
        if fs.removed:
            return error_response(403, "InvalidResourceState", "Resource cannot be modified.")
        name = body.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 50:
            return validation_error(("Invalid", "Name invalid.", "/name"))
        fs.name = name.strip()
        self.emit("customer_funding_source_updated", "funding-sources", fs.id, fs.owner_id)
        return hal_response(self.funding_source_body(fs))

    def _remove_funding_source(self, fs: FundingSource) -> None:
        fs.removed = True
        self.emit("customer_funding_source_removed", "funding-sources", fs.id, fs.owner_id)

    async def micro_deposits(self, request):
        fs = self.funding_sources.get(request.match_info["id"])
        if fs is None or fs.removed or fs.owner_kind != "customer":
            return not_found("Funding source not found.")
        body = await read_json(request)
        if "amount1" not in body and "amount2" not in body:
            return self._initiate_micro_deposits(fs)
        return self._verify_micro_deposits(fs, body)

    def _initiate_micro_deposits(self, fs: FundingSource) -> web.Response:
        if fs.status == "verified":
            return error_response(403, "InvalidResourceState", "Bank already verified.")
        if fs.micro is not None:
            return error_response(
                400, "MaxNumberOfResources", "Micro-deposits already initiated for this funding source."
            )
        if self.random_micro_deposits:
            first = self._rng.randint(1, 9)
            amounts = (first, self._rng.choice([c for c in range(1, 10) if c != first]))
        else:
            amounts = self.micro_deposit_amounts
        fs.micro = MicroDeposits(amounts=amounts, created=self.now_iso())
        self.emit("customer_microdeposits_added", "funding-sources", fs.id, fs.owner_id)
        if self.settle_seconds is not None:
            self._later(self.settle_seconds, self._settle_micro_deposits, fs.id)
        return hal_response(
            None, status=201, headers={"Location": self.href(f"/funding-sources/{fs.id}/micro-deposits")}
        )

    def _verify_micro_deposits(self, fs: FundingSource, body: dict) -> web.Response:
        micro = fs.micro
        if micro is None:
            return not_found("Micro-deposits not initiated.")
        if fs.status == "verified":
            return error_response(403, "InvalidResourceState", "Bank already verified.")
        if micro.max_attempts_reached:
            return error_response(403, "InvalidResourceState", "Too many attempts.")
        errors, given = [], []
        for name in ("amount1", "amount2"):
            amount = body.get(name)
            cents = parse_amount(amount.get("value")) if isinstance(amount, dict) else None
            if cents is None or not isinstance(amount, dict) or amount.get("currency") != "USD":
                errors.append(("InvalidFormat", f"Invalid {name}.", f"/{name}/value"))
            given.append(cents)
        if errors:
            return validation_error(*errors)
        if micro.status == "failed":
            return error_response(
                403, "InvalidResourceState", "Micro-deposits failed to clear; remove the bank and add it again."
            )
        if micro.status == "pending":
            return error_response(
                202,
                "TryAgainLater",
                "Micro-deposits have not settled to destination bank. "
                "A Customer can verify these amounts after micro-deposits have processed to "
                "their bank.",
            )
        # "Verify micro-deposits": an entry over $0.15 is "Invalid amount." (not counted as an attempt here: the
        # page sets it apart from the wrong amounts that are).
        too_big = [f"/amount{i}/value" for i, cents in enumerate(given, 1) if cents > MICRO_DEPOSIT_INVALID_ABOVE]
        if too_big:
            return validation_error(*[("Invalid", "Invalid amount.", path) for path in too_big])
        if sorted(given) == sorted(micro.amounts):
            fs.status = "verified"
            self.emit("customer_funding_source_verified", "funding-sources", fs.id, fs.owner_id)
            return hal_response(None, status=200)
        # Dwolla's sandbox shortcut: 0.09 + 0.09 simulates reaching the attempt limit at once.
        micro.attempts = MAX_MICRO_DEPOSIT_ATTEMPTS if given == [9, 9] else micro.attempts + 1
        if micro.attempts >= MAX_MICRO_DEPOSIT_ATTEMPTS:
            micro.max_attempts_reached = True
            self.emit("customer_microdeposits_maxattempts", "funding-sources", fs.id, fs.owner_id)
        return validation_error(("Invalid", "Wrong amount(s).", ""))

    async def get_micro_deposits(self, request):
        fs = self.funding_sources.get(request.match_info["id"])
        if fs is None or fs.micro is None:
            return not_found("Micro-deposits not initiated." if fs else "Funding source not found.")
        path = f"/funding-sources/{fs.id}/micro-deposits"
        links = {"self": self.link(path, "micro-deposits")}
        if fs.micro.status == "processed" and fs.status == "unverified" and not fs.micro.max_attempts_reached:
            links["verify-micro-deposits"] = self.link(path, "micro-deposits")
        body = {"_links": links, "created": fs.micro.created, "status": fs.micro.status}
        if fs.micro.failure_code:
            body["failure"] = {"code": fs.micro.failure_code, "description": RETURN_CODES[fs.micro.failure_code][0]}
        return hal_response(body)
