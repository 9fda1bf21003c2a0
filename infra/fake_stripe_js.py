"""What Stripe.js sends to Stripe, answered by localstripe as Stripe answers it (tests and the local stack only).

localstripe 1.15's own Stripe.js stand-in never sends the card of `confirmCardPayment(secret, {payment_method:
{card}})`, so the confirm fails with "Bad request", and its server refuses a publishable key on
`/v1/payment_intents/{id}/confirm`. This module serves a stand-in (infra/stripe_js/v3.js) at
`/js.stripe.com/v3/` that sends what Stripe.js sends, and answers those requests:

- `POST /v1/payment_intents/{id}/confirm` and `/v1/setup_intents/{id}/confirm` with `key=pk_...`,
  `client_secret`, `payment_method_data[type]=card`, `payment_method_data[card][...]` (or `payment_method`),
  `expected_payment_method_type`, `use_stripe_sdk`: the card becomes a PaymentMethod with its brand and the
  intent is confirmed. Stripe's test cards decline with their codes (402, `type: card_error`, the intent
  inside the error, `last_payment_error` with `decline_code` in the webhook), and the 3-D Secure cards answer
  `requires_action` with `next_action.type: use_stripe_sdk`;
- `GET /v1/payment_intents/{id}` and `/v1/setup_intents/{id}` with `key` and `client_secret` (how Stripe.js
  reads an intent back after 3-D Secure);
- `POST /v1/payment_methods` with `key=pk_...`, `type=card` and the card (stripe.createPaymentMethod): a
  PaymentMethod with its brand and `card.funding` (Stripe's debit and prepaid test cards are not credit cards);
- `POST .../_authenticate?success=` (localstripe's stand-in for the card issuer's 3-D Secure page): a failed
  authentication leaves the intent `requires_payment_method` with `payment_intent_authentication_failure` and
  sends `payment_intent.payment_failed`, as Stripe does.

`install(app)` adds it to the wrapper's aiohttp app, inside its idempotency and saved-card middlewares.
"""

import re
from pathlib import Path

from aiohttp import web
from localstripe import resources, server
from localstripe.errors import UserError
from localstripe.webhooks import schedule_webhook

STAND_IN = Path(__file__).with_name("stripe_js") / "v3.js"

# Stripe's documented test cards (docs.stripe.com/testing): number -> (code, decline_code, message).
DECLINES = {
    "4000000000000002": ("card_declined", "generic_decline", "Your card was declined."),
    "4000000000009995": ("card_declined", "insufficient_funds", "Your card has insufficient funds."),
    "4000000000009987": ("card_declined", "lost_card", "Your card was declined."),
    "4000000000009979": ("card_declined", "stolen_card", "Your card was declined."),
    "4000000000000069": ("expired_card", None, "Your card has expired."),
    "4000000000000127": ("incorrect_cvc", None, "Your card's security code is incorrect."),
    "4000000000000119": (
        "processing_error",
        None,
        "An error occurred while processing your card. Try again in a little bit.",
    ),
    "4242424242424241": ("incorrect_number", None, "Your card number is incorrect."),
    "4000000000000341": ("card_declined", "generic_decline", "Your card was declined."),  # attaches, then declines
    # 3-D Secure, then declined for insufficient funds (localstripe also asks to authenticate it)
    "4000008260003178": ("card_declined", "insufficient_funds", "Your card has insufficient funds."),
}
# Stripe's test cards that are not credit cards (docs.stripe.com/testing, "Cards by brand": "Visa (debit)",
# "Mastercard (debit)", "Mastercard (prepaid)", "Discover (debit)"); every other card is a credit card, as there.
FUNDING = {
    "4000056655665556": "debit",
    "5200828282828210": "debit",
    "5105105105105100": "prepaid",
    "6011981111111113": "debit",
}
BRANDS = (
    ("34", "amex"),
    ("37", "amex"),
    ("6011", "discover"),
    ("65", "discover"),
    ("5", "mastercard"),
    ("2", "mastercard"),
    ("4", "visa"),
)
AUTHENTICATION_FAILED = (
    "We are unable to authenticate your payment method. Please choose a different payment method and try again."
)
# What Stripe.js adds that localstripe's resources do not take (tracking ids, its own hints).
_STRIPE_JS_EXTRAS = (
    "expected_payment_method_type",
    "use_stripe_sdk",
    "return_url",
    "key",
    "client_secret",
    "payment_user_agent",
    "referrer",
    "time_on_page",
)
_PM_EXTRAS = ("guid", "muid", "sid", "payment_user_agent", "time_on_page", "referrer")
_INTENT = re.compile(r"^/v1/(payment_intents|setup_intents)/(\w+)(/confirm|/_authenticate)?$")


def _brand(number: str) -> str:
    return next((brand for prefix, brand in BRANDS if number.startswith(prefix)), "unknown")


def _patch_localstripe() -> None:
    """Decline codes as Stripe reports them; localstripe knows only card_declined without a decline_code."""
    pm_class, charge_class, intent_class = resources.PaymentMethod, resources.Charge, resources.PaymentIntent
    if getattr(pm_class, "_stripe_js_patched", False):
        return
    declined, set_failure = pm_class._charging_is_declined, charge_class._set_auth_failure
    last_error = intent_class.last_payment_error.fget

    def charging_is_declined(self):
        return getattr(self, "_decline", None) is not None or declined(self)

    def set_auth_failure(self):
        set_failure(self)
        decline = getattr(resources.PaymentMethod._api_retrieve(self.payment_method), "_decline", None)
        if decline:
            self.failure_code, self._decline_code, self.failure_message = decline

    def last_payment_error(self):
        error = last_error(self)
        if error and self.latest_charge is not None and self.latest_charge.status == "failed":
            error = {
                **error,
                "type": "card_error",
                "payment_method": self.latest_charge.payment_method,
                "decline_code": getattr(self.latest_charge, "_decline_code", None),
            }
        elif error:
            error = {**error, "type": "invalid_request_error"}
        return error

    pm_class._charging_is_declined = charging_is_declined
    charge_class._set_auth_failure = set_auth_failure
    intent_class.last_payment_error = property(last_payment_error)
    pm_class._stripe_js_patched = True


def _stripe_error(status: int, error: dict) -> web.Response:
    return server.json_response({"error": error}, status=status)


def _card_method(data: dict) -> resources.PaymentMethod:
    """The PaymentMethod Stripe creates from payment_method_data, with its brand and test-card behaviour."""
    fields = {k: v for k, v in data.items() if k not in _PM_EXTRAS}
    card = fields.get("card") or {}
    if fields.get("type") != "card" or not isinstance(card, dict):
        raise UserError(400, "payment_method_data[type] must be card.", {"code": "parameter_invalid_empty"})
    number = str(card.get("number", "")).replace(" ", "")
    try:
        method = resources.PaymentMethod(
            type="card",
            billing_details=fields.get("billing_details"),
            card={k: card.get(k) for k in ("number", "exp_month", "exp_year", "cvc")},
        )
    except UserError:
        raise UserError(
            402, "Your card number is incorrect.", {"code": "incorrect_number", "type": "card_error", "param": "number"}
        ) from None
    method.card["brand"] = _brand(number)
    method.card["funding"] = FUNDING.get(number, "credit")
    method.card["country"] = "US"
    if number in DECLINES:
        method._decline = DECLINES[number]
    return method


async def _params(request: web.Request) -> dict:
    if request.method == "GET":
        return server.unflatten_data(request.query)
    return await server.get_post_data(request, remove_auth=False) or {}


def _check_client(params: dict, intent) -> None:
    """Stripe.js authenticates with the publishable key and the intent's client secret, nothing else."""
    if not (isinstance(params.get("key"), str) and params["key"].startswith("pk_")):
        raise UserError(401, "Invalid API Key provided.")
    if params.get("client_secret") != intent.client_secret:
        raise UserError(
            400,
            "The client_secret provided does not match any associated PaymentIntent on this account.",
            {"code": "resource_missing", "param": "client_secret"},
        )


def _declined(kind: str, intent, error: UserError) -> web.Response:
    body = dict(error.body["error"])
    body["type"] = "card_error" if error.code == 402 else body.get("type", "invalid_request_error")
    body[kind] = intent._export()
    if kind == "payment_intent" and intent.latest_charge is not None:
        charge = intent.latest_charge
        body.update(
            code=charge.failure_code,
            message=charge.failure_message,
            charge=charge.id,
            decline_code=getattr(charge, "_decline_code", None),
        )
    return _stripe_error(error.code, body)


def _confirm_payment(intent, params: dict) -> web.Response:
    if intent.status not in ("requires_payment_method", "requires_confirmation", "requires_action"):
        raise UserError(
            400,
            f"You cannot confirm this PaymentIntent because it has a status of {intent.status}.",
            {"code": "payment_intent_unexpected_state"},
        )
    if intent.status == "requires_action":
        return server.json_response(intent._export())  # Stripe.js goes on with the next action
    if isinstance(params.get("payment_method_data"), dict):
        intent.payment_method = _card_method(params["payment_method_data"]).id
    elif isinstance(params.get("payment_method"), str):
        intent.payment_method = resources.PaymentMethod._api_retrieve(params["payment_method"]).id
    elif intent.payment_method is None:
        raise UserError(
            400,
            "You must provide a payment method to confirm this PaymentIntent.",
            {"code": "payment_intent_unexpected_state"},
        )
    intent.latest_charge = None  # a retry after a decline starts a new attempt
    try:
        intent._confirm(on_failure_now=intent._report_failure)
    except UserError as error:
        return _declined("payment_intent", intent, error)
    return server.json_response(intent._export())


def _confirm_setup(setup, params: dict) -> web.Response | None:
    if not isinstance(params.get("payment_method_data"), dict) and not isinstance(params.get("payment_method"), str):
        return None  # a bare confirm (after 3-D Secure) is localstripe's own
    method = (
        _card_method(params["payment_method_data"])
        if isinstance(params.get("payment_method_data"), dict)
        else resources.PaymentMethod._api_retrieve(params["payment_method"])
    )
    decline = getattr(method, "_decline", None)
    if decline or method._attaching_is_declined():
        code, decline_code, message = decline or ("card_declined", "generic_decline", "Your card was declined.")
        setup.status, setup.payment_method, setup.next_action = "requires_payment_method", None, None
        setup.last_setup_error = {
            "code": code,
            "decline_code": decline_code,
            "message": message,
            "type": "card_error",
            "payment_method": method._export(),
        }
        return _stripe_error(402, {**setup.last_setup_error, "setup_intent": setup._export()})
    setup.last_setup_error = None
    setup._attach_pm(method)
    return server.json_response(setup._export())


def _authentication_failed(kind: str, intent) -> web.Response:
    """The client failed the issuer's 3-D Secure page."""
    intent.next_action, intent.payment_method = None, None
    if kind == "payment_intents":
        intent._authentication_failed = True
        schedule_webhook(resources.Event("payment_intent.payment_failed", intent))
    else:
        intent.status = "requires_payment_method"
        intent.last_setup_error = {
            "code": "setup_intent_authentication_failure",
            "message": AUTHENTICATION_FAILED,
            "type": "invalid_request_error",
        }
    return server.json_response(intent._export())


@web.middleware
async def stripe_js(request: web.Request, handler):
    if request.method == "GET" and request.path == "/js.stripe.com/v3/":
        return web.Response(text=STAND_IN.read_text(), content_type="application/javascript")
    if request.method == "POST" and request.path == "/v1/payment_methods" and not server.get_api_key(request):
        return await _create_payment_method(request)
    match = _INTENT.match(request.path)
    if not match or server.get_api_key(request):
        return await handler(request)  # secret-key calls are the backend's: localstripe and the wrapper's
    kind, intent_id, action = match.groups()
    params = await _params(request)
    if (request.method, action) not in (("GET", None), ("POST", "/confirm"), ("POST", "/_authenticate")):
        return await handler(request)
    try:
        cls = resources.PaymentIntent if kind == "payment_intents" else resources.SetupIntent
        intent = cls._api_retrieve(intent_id)
        _check_client(params, intent)
        if action is None:
            return server.json_response(intent._export())
        if action == "/_authenticate":
            success = str(request.query.get("success", params.get("success", ""))).lower() == "true"
            if not success and intent.status == "requires_action":
                return _authentication_failed(kind, intent)
            if kind == "payment_intents":
                try:
                    return server.json_response(
                        resources.PaymentIntent._api_authenticate(
                            intent_id, client_secret=intent.client_secret, success=True
                        )._export()
                    )
                except UserError as error:
                    return _declined("payment_intent", intent, error) if error.code == 402 else error.to_response()
            return await handler(request)
        if kind == "payment_intents":
            return _confirm_payment(intent, params)
        return _confirm_setup(setup=intent, params=params) or await handler(request)
    except UserError as error:
        if error.code == 402:
            error.body["error"]["type"] = "card_error"
        return error.to_response()


async def _create_payment_method(request: web.Request) -> web.Response:
    """stripe.createPaymentMethod({type: 'card', card}): the card becomes a PaymentMethod (with its brand and
    funding) that the backend then reads and charges; Stripe.js authenticates with the publishable key only."""
    params = await _params(request)
    try:
        if not (isinstance(params.get("key"), str) and params["key"].startswith("pk_")):
            raise UserError(401, "Invalid API Key provided.")
        return server.json_response(_card_method(params)._export())
    except UserError as error:
        if error.code == 402:
            error.body["error"]["type"] = "card_error"
        return error.to_response()


def install(app: web.Application) -> None:
    """Add the stand-in's routes to localstripe's app, inside the wrapper's middlewares (so idempotency and
    the saved-card attach still see these requests) and before localstripe's own authentication."""
    _patch_localstripe()
    if stripe_js not in app.middlewares:
        app.middlewares.insert(app.middlewares.index(server.error_middleware), stripe_js)
