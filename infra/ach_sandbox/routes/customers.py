"""Customers: create (names, email, correlationId and their uniqueness), read, and the status changes Dwolla
allows (suspended, deactivated, reactivated), each with its event."""

import uuid

from infra.ach_sandbox.hal import error_response, hal_response, not_found, read_json, validation_error
from infra.ach_sandbox.rules import CORRELATION_ID_FORMAT, EMAIL_FORMAT, RESTRICTED, name_errors


class CustomerRoutes:
    """Routes of AchSandbox (its table: server.py, build_app)."""

    def customer_body(self, customer: dict) -> dict:
        path = f"/customers/{customer['id']}"
        links = {
            "self": self.link(path, "customer"),
            "funding-sources": self.link(f"{path}/funding-sources", "funding-source"),
            "transfers": self.link(f"{path}/transfers", "transfer"),
        }
        if customer["status"] not in RESTRICTED:
            links["send"] = self.link("/transfers", "transfer")
        body = {
            "_links": links,
            "id": customer["id"],
            "firstName": customer["firstName"],
            "lastName": customer["lastName"],
            "email": customer["email"],
            "type": customer["type"],
            "status": customer["status"],
            "created": customer["created"],
        }
        for name in ("businessName", "correlationId"):
            if customer.get(name):
                body[name] = customer[name]
        return body

    async def create_customer(self, request):
        body = await read_json(request)
        errors = []
        for name in ("firstName", "lastName", "email"):
            value = body.get(name)
            if not isinstance(value, str) or not value.strip():
                errors.append(("Required", f"{name[0].upper()}{name[1:]} is required.", f"/{name}"))
        errors += name_errors(body)
        if body.get("type", "unverified") not in ("unverified", "receive-only"):
            errors.append(
                (
                    "Invalid",
                    "Type invalid: the sandbox creates unverified and receive-only customers "
                    "(POST /sandbox/customers/{id} plays a verification).",
                    "/type",
                )
            )
        email = body.get("email")
        if isinstance(email, str) and email.strip() and not EMAIL_FORMAT.match(email.strip()):
            errors.append(("InvalidFormat", "Email invalid.", "/email"))
        correlation_id = body.get("correlationId")
        valid = isinstance(correlation_id, str) and CORRELATION_ID_FORMAT.match(correlation_id)
        if correlation_id is not None and not valid:
            errors.append(
                (
                    "InvalidFormat",
                    "CorrelationId must be less than 255 characters and contain only "
                    "letters, digits, '-', '.' and '_'.",
                    "/correlationId",
                )
            )
        if errors:
            return validation_error(*errors)
        # Dwolla keeps a customer's email and its correlationId unique: each clash is its own Duplicate error,
        # naming the customer that has it.
        duplicates = [
            (field, c)
            for c in self.customers.values()
            for field, same in (
                ("email", c["email"].lower() == email.strip().lower()),
                ("correlationId", correlation_id is not None and c.get("correlationId") == correlation_id),
            )
            if same
        ]
        if duplicates:
            return validation_error(
                *[
                    (
                        "Duplicate",
                        f"A customer with the specified {field} already exists.",
                        f"/{field}",
                        self.href(f"/customers/{c['id']}"),
                    )
                    for field, c in duplicates
                ]
            )
        customer_id = str(uuid.uuid4())
        kind = body.get("type", "unverified")
        self.customers[customer_id] = {
            "id": customer_id,
            "firstName": body["firstName"].strip(),
            "lastName": body["lastName"].strip(),
            "email": email.strip(),
            "businessName": body.get("businessName") or None,
            "type": kind,
            "status": "unverified",
            "correlationId": correlation_id,
            "created": self.now_iso(),
        }
        self.emit("customer_created", "customers", customer_id, customer_id)
        return hal_response(None, status=201, headers={"Location": self.href(f"/customers/{customer_id}")})

    async def get_customer(self, request):
        customer = self.customers.get(request.match_info["id"])
        return hal_response(self.customer_body(customer)) if customer else not_found("Customer not found.")

    async def update_customer(self, request):
        """Dwolla's "Update a customer", its status part: `suspended`, `deactivated` (not while suspended),
        `reactivated` (a deactivated customer returns to its status before; a suspended one only through Dwolla,
        here POST /sandbox/customers/{id})."""
        customer = self.customers.get(request.match_info["id"])
        if customer is None:
            return not_found("Customer not found.")
        body = await read_json(request)
        status = body.get("status")
        if set(body) - {"status"} or status not in ("suspended", "deactivated", "reactivated"):
            return validation_error(
                (
                    "Invalid",
                    "Status invalid: the sandbox updates a customer's status only "
                    "(suspended, deactivated, reactivated).",
                    "/status",
                )
            )
        current = customer["status"]
        if (status, current) == ("deactivated", "suspended") or (status == "reactivated" and current != "deactivated"):
            return error_response(403, "InvalidResourceState", "Resource cannot be modified.")
        self._set_customer_status(
            customer, customer.get("before_restricted", "unverified") if status == "reactivated" else status
        )
        return hal_response(self.customer_body(customer))

    def _set_customer_status(self, customer: dict, status: str) -> None:
        """Change a customer's status and send the event Dwolla sends for it ("Webhook events")."""
        before = customer["status"]
        if status == before:
            return
        if before not in RESTRICTED:
            customer["before_restricted"] = before
        customer["status"] = status
        topic = {"suspended": "customer_suspended", "deactivated": "customer_deactivated"}.get(
            status,
            "customer_activated" if before in RESTRICTED else "customer_verified" if status == "verified" else None,
        )
        if topic:
            self.emit(topic, "customers", customer["id"], customer["id"])
