"""How a pending transfer or micro-deposit settles: by itself after `settle_seconds` (standing in for 3-5
business days) or when POST /sandbox-simulations asks, by its settlement plan (a return code or none, late or
not); a return acts on the customer and its bank as Dwolla's "Transfer Failures" table says."""

from infra.ach_sandbox.hal import hal_response
from infra.ach_sandbox.rules import MICRO_DEPOSIT_FAILURE_SUFFIXES, RETURN_CODES
from infra.ach_sandbox.state import FundingSource, Transfer


class Settlement:
    """A part of AchSandbox (server.py): the timers, and settling, failing and returning."""

    def _later(self, delay: float, callback, *args) -> None:
        handle = None

        def run():
            self._timers.discard(handle)
            callback(*args)

        handle = self._loop.call_later(delay, run)
        self._timers.add(handle)

    def _settle_micro_deposits(self, fs_id: str) -> bool:
        fs = self.funding_sources.get(fs_id)
        if fs is None or fs.micro is None or fs.micro.status != "pending":
            return False
        code = MICRO_DEPOSIT_FAILURE_SUFFIXES.get(fs.account_number[-4:])
        if code:
            fs.micro.status, fs.micro.failure_code = "failed", code
            self.emit("customer_microdeposits_failed", "funding-sources", fs.id, fs.owner_id)
        else:
            fs.micro.status = "processed"
            self.emit("customer_microdeposits_completed", "funding-sources", fs.id, fs.owner_id)
        return True

    def _settle_transfer(self, transfer_id: str) -> bool:
        """pending -> processed or failed, by the settlement plan; a late return is scheduled for later."""
        transfer = self.transfers.get(transfer_id)
        if transfer is None or transfer.status != "pending":
            return False
        code, late = transfer.plan
        if code is None or late:
            transfer.status = "processed"
            self.emit_transfer(transfer, "completed")
            if code is not None:
                transfer.return_due = True
                if self.settle_seconds is not None:
                    self._later(self.settle_seconds, self._return_transfer, transfer.id)
        else:
            self._fail_transfer(transfer, code)
        return True

    def _return_transfer(self, transfer_id: str) -> bool:
        transfer = self.transfers.get(transfer_id)
        if transfer is None or not transfer.return_due or transfer.status != "processed":
            return False
        transfer.return_due = False
        self._fail_transfer(transfer, transfer.plan[0])
        return True

    def _fail_transfer(self, transfer: Transfer, code: str) -> None:
        transfer.status, transfer.failure_code = "failed", code
        customer_fs = self.funding_sources[transfer.source_fs]
        if customer_fs.owner_kind != "customer":
            customer_fs = self.funding_sources[transfer.destination_fs]
        transfer.failed_fs = customer_fs.id
        self.emit_transfer(transfer, "failed")
        if customer_fs.owner_kind == "customer":
            self._act_on_return(code, customer_fs)

    def _act_on_return(self, code: str, fs: FundingSource) -> None:
        """The systematic actions of Dwolla's "Transfer Failures" table for a return code, each with its event:
        the bank unverified (it may be verified again with new micro-deposits), removed, blocklisted (it cannot be
        added again); the customer suspended (unless already deactivated) or deactivated."""
        _description, _explanation, customer_action, unverify, remove, blocklist = RETURN_CODES[code]
        if unverify and fs.status == "verified":
            fs.status, fs.micro = "unverified", None
            self.emit("customer_funding_source_unverified", "funding-sources", fs.id, fs.owner_id)
        if remove and not fs.removed:
            self._remove_funding_source(fs)
        if blocklist:
            self.blocklist.add((fs.routing_number, fs.account_number))
        customer = self.customers[fs.owner_id]
        if customer_action == "deactivated" or (customer_action == "suspended" and customer["status"] != "deactivated"):
            self._set_customer_status(customer, customer_action)

    async def sandbox_simulations(self, request):
        """Dwolla's sandbox endpoint: process every pending bank transfer (and micro-deposits). A late return
        needs a second call, as with Dwolla's "R01-late" sentinel ("process bank transfers twice")."""
        total = 0
        for transfer in list(self.transfers.values()):
            if transfer.return_due and transfer.status == "processed":
                total += self._return_transfer(transfer.id)
        for transfer in list(self.transfers.values()):
            if transfer.status == "pending":
                total += self._settle_transfer(transfer.id)
        for fs in list(self.funding_sources.values()):
            if fs.micro is not None and fs.micro.status == "pending":
                total += self._settle_micro_deposits(fs.id)
        return hal_response(
            {"_links": {"self": self.link("/sandbox-simulations", "sandbox-simulation")}, "total": total}
        )
