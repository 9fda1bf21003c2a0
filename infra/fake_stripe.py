"""localstripe as the local Stripe API, bound to 127.0.0.1, with its known gaps papered over *here*
(never in production code):

- it accepts parameters Stripe's current API has removed (`payment_method_types` on intents) or never
  had: every request with a secret key is first judged against stripe-python's generated request types
  for the pinned API version (`infra/stripe_contract.py`) and refused as Stripe refuses it (400
  `invalid_request_error`, `parameter_unknown` naming the parameter, `parameter_missing`, ...), so the
  local stack fails where production would;
- it ignores Idempotency-Key: this wrapper replays the first response for a repeated key, and answers 400
  for a reused key with other parameters, as Stripe does (a refused request is not kept, as at Stripe);
- it rejects some parameters Stripe accepts (a PaymentIntent's description, receipt_email, setup_future_usage,
  automatic_payment_methods, allowed_payment_method_types; a Refund's reason): they are removed before
  localstripe sees them,
  and every request (method, path, full parameters, Idempotency-Key, Stripe-Version, status) is kept at
  GET /_config/shim/requests so tests can assert what production code really sent;
- it answers a confirm or cancel in the wrong state with a bare 400: this wrapper gives Stripe's
  `payment_intent_unexpected_state` error;
- it fails listing the refunds of an intent that has no charge yet: this wrapper answers Stripe's empty list;
- it takes any Idempotency-Key and any amount: this wrapper refuses a key over 255 characters ("Idempotency
  keys are up to 255 characters long", docs.stripe.com/api/idempotent_requests) and a PaymentIntent amount over
  eight digits (`amount_too_large`: "The amount value supports up to eight digits", the `amount` parameter of
  stripe-python's generated PaymentIntent params; docs.stripe.com/currencies), as Stripe does;
- it saves its store to /tmp between runs: disabled, each start is fresh;
- it takes only 16-digit card numbers with 3-digit CVCs and calls every card a Visa: Stripe takes American
  Express's 15 digits with a 4-digit CVC (docs.stripe.com/testing: 3782 822463 10005, "any four digits"; a
  3-digit one is refused, 402 `invalid_cvc`), and names each brand (Discover 6011 1111 1111 1117): both here;
- it sends no payment_method.* events and never attaches the card of a SetupIntent, or of a PaymentIntent
  created with setup_future_usage, to the customer: this wrapper does both as Stripe does, and sends
  payment_method.attached / payment_method.detached / setup_intent.succeeded to the registered webhooks.
- a PaymentIntent created with `confirm` and `off_session` (a saved card charged while its holder is away:
  autopay) for a card that asks for authentication waits for 3-D Secure there, which nobody is present to
  complete; Stripe declines it at once with `authentication_required` (docs.stripe.com/payments/save-and-reuse,
  "Charge the saved payment method later"): so does this wrapper, and a decline's error carries the intent and a
  `decline_code`, as Stripe's error object does (`payment_intent`, `decline_code`: stripe-python's
  `_error_object.py`).

Run: python -m infra.fake_stripe --port 8420
"""

import argparse
import json
import re

from aiohttp import web
from localstripe import resources, server
from localstripe.webhooks import schedule_webhook

from infra import fake_stripe_js, stripe_contract
from infra.loopback_server import LoopbackServer

_UNSUPPORTED = {
    "/v1/payment_intents": (
        "description",
        "receipt_email",
        "setup_future_usage",
        "automatic_payment_methods",
        "allowed_payment_method_types",
    ),
    "/v1/setup_intents": ("allowed_payment_method_types",),
    "/v1/refunds": ("reason",),
}
# Removed parameters Stripe answers with their own code rather than parameter_unknown (its changelog).
_REMOVED = {
    "payment_method_types": (
        "payment_method_types_no_longer_supported",
        "payment_method_types is no longer supported on this API version: use "
        "allowed_payment_method_types or dynamic payment methods.",
    )
}
_INTENT_ACTIONS = {
    "confirm": ("confirmed", ("requires_payment_method", "requires_confirmation", "requires_action")),
    "cancel": (
        "canceled",
        ("requires_payment_method", "requires_capture", "requires_confirmation", "requires_action", "processing"),
    ),
}
MAX_IDEMPOTENCY_KEY = 255
MAX_AMOUNT = 99_999_999  # eight digits: $999,999.99 in usd and in the other two-decimal currencies
_recorded: list[dict] = []
_idempotent: dict[tuple[str, str], tuple[bytes, int, bytes]] = {}
_save_cards_of: set[str] = set()  # PaymentIntents created with setup_future_usage
_SAVE_CARD = web.RequestKey("save_card", bool)

resources.Store.dump_to_disk = lambda self: None
resources.Store.try_load_from_disk = lambda self: None
_localstripe_payment_method_init = resources.PaymentMethod.__init__
_AMEX = re.compile(r"^3[47]\d{13}$")


def _payment_method_init(self, type=None, billing_details=None, card=None, **kwargs):
    """localstripe's PaymentMethod, with Stripe's card lengths (above) and brands."""
    amex = isinstance(card, dict) and bool(_AMEX.match(str(card.get("number", ""))))
    if amex:
        if not re.fullmatch(r"\d{4}", str(card.get("cvc", ""))):
            raise resources.UserError(
                402,
                "Your card's security code is invalid.",
                {"code": "invalid_cvc", "type": "card_error", "param": "cvc"},
            )
        number = card["number"]
        card = {**card, "number": number + "0", "cvc": card["cvc"][:3]}  # what localstripe's checks take
    _localstripe_payment_method_init(self, type=type, billing_details=billing_details, card=card, **kwargs)
    if type == "card":
        if amex:
            self._card_number = number
            self.card.update(last4=number[-4:], fingerprint=resources.fingerprint(number))
        self.card["brand"] = fake_stripe_js._brand(self._card_number)
        self.card["funding"] = fake_stripe_js.FUNDING.get(self._card_number, "credit")


resources.PaymentMethod.__init__ = _payment_method_init
_original_get_post_data = server.get_post_data


async def _get_post_data(request, remove_auth=True):
    data = await _original_get_post_data(request, remove_auth=remove_auth)
    if remove_auth and request.method == "POST" and isinstance(data, dict):
        if request.path == "/v1/payment_intents" and data.get("setup_future_usage"):
            request[_SAVE_CARD] = True  # read by the saved_cards middleware once the intent exists
        for key in _UNSUPPORTED.get(request.path, ()):
            data.pop(key, None)
    return data


server.get_post_data = _get_post_data


def _attach_and_announce(pm_id: str, customer: str | None) -> None:
    method = resources.PaymentMethod._api_retrieve(pm_id)
    if customer and method.customer != customer:
        method.customer = customer
        schedule_webhook(resources.Event("payment_method.attached", method))


def _stripe_error(status: int, message: str, code: str | None = None, param: str | None = None, **extra):
    """An error body in Stripe's shape (https://docs.stripe.com/api/errors)."""
    error = {"type": "invalid_request_error", "message": message} | extra
    if code:
        error |= {"code": code, "doc_url": f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}"}
    if param is not None:
        error["param"] = param
    return web.json_response({"error": error}, status=status)


@web.middleware
async def contract(request, handler):
    """Record every API request, and refuse what Stripe would refuse before localstripe sees it."""
    if not request.path.startswith("/v1/"):
        return await handler(request)
    if request.method == "POST":
        params = await _original_get_post_data(request, remove_auth=False) or {}
    else:
        params = server.unflatten_data(request.query) or {}
    version = request.headers.get("Stripe-Version")
    entry = {
        "method": request.method,
        "path": request.path,
        "params": params,
        "idempotency_key": request.headers.get("Idempotency-Key"),
        "stripe_version": version,
    }
    _recorded.append(entry)
    response = None
    if server.get_api_key(request):  # server-side calls; Stripe.js (publishable key) speaks another API
        response = _refusal(request, params, version)
    response = response or await handler(request)
    entry["status"] = response.status
    return response


def _refusal(request, params: dict, version: str | None) -> web.Response | None:
    key = request.headers.get("Idempotency-Key")
    if key is not None and len(key) > MAX_IDEMPOTENCY_KEY:
        return _stripe_error(400, f"Invalid Idempotency-Key: it can be at most {MAX_IDEMPOTENCY_KEY} characters long.")
    amount = params.get("amount")
    if (
        request.method == "POST"
        and request.path == "/v1/payment_intents"
        and isinstance(amount, str)
        and amount.isdigit()
        and int(amount) > MAX_AMOUNT
    ):
        return _stripe_error(400, "Amount must be no more than $999,999.99", "amount_too_large", "amount")
    if version not in (None, stripe_contract.API_VERSION):
        return _stripe_error(
            400,
            f"This local Stripe judges requests by API version {stripe_contract.API_VERSION} "
            f"(stripe-python's types), not {version}.",
        )
    problems = stripe_contract.check(request.method, request.path, params)
    if not problems:
        return None
    first = problems[0]
    if first.param == "" and first.code is None:
        return _stripe_error(404, first.message)
    if first.code == "parameter_unknown" and first.param in _REMOVED:
        return _stripe_error(400, _REMOVED[first.param][1], _REMOVED[first.param][0], first.param)
    return _stripe_error(400, first.message, first.code, first.param)


@web.middleware
async def intent_states(request, handler):
    """Stripe's error for a confirm or cancel in the wrong state (localstripe answers a bare 400)."""
    response = await handler(request)
    match = re.fullmatch(r"/v1/payment_intents/(\w+)/(confirm|cancel)", request.path)
    if request.method != "POST" or response.status != 400 or not match:
        return response
    intent = resources.PaymentIntent._api_retrieve(match[1])
    done, allowed = _INTENT_ACTIONS[match[2]]
    if intent.status in allowed:
        return response
    return _stripe_error(
        400,
        f"You cannot {match[2]} this PaymentIntent because it has a status of {intent.status}. "
        f"Only a PaymentIntent with one of the following statuses may be {done}: "
        f"{', '.join(allowed)}.",
        "payment_intent_unexpected_state",
        payment_intent=intent._export(),
    )


@web.middleware
async def saved_cards(request, handler):
    """What Stripe does around saved cards and localstripe does not (see the module docstring)."""
    response = await handler(request)
    if request.method != "POST" or response.status >= 300:
        return response
    path = request.path
    if path == "/v1/payment_intents" and request.get(_SAVE_CARD):
        _save_cards_of.add(json.loads(response.body)["id"])
    elif match := re.fullmatch(r"/v1/payment_intents/(\w+)/confirm", path):
        intent = resources.PaymentIntent._api_retrieve(match[1])
        if intent.id in _save_cards_of and intent.status == "succeeded" and intent.payment_method:
            _attach_and_announce(intent.payment_method, intent.customer)
    elif match := re.fullmatch(r"/v1/setup_intents/(\w+)/confirm", path):
        setup = resources.SetupIntent._api_retrieve(match[1])
        if setup.status == "succeeded" and setup.payment_method:
            _attach_and_announce(setup.payment_method, setup.customer)
            schedule_webhook(resources.Event("setup_intent.succeeded", setup))
    elif match := re.fullmatch(r"/v1/payment_methods/(\w+)/(attach|detach)", path):
        method = resources.PaymentMethod._api_retrieve(match[1])
        schedule_webhook(resources.Event(f"payment_method.{match[2]}ed", method))
    return response


_localstripe_last_payment_error = resources.PaymentIntent.last_payment_error
resources.PaymentIntent.last_payment_error = property(
    lambda self: getattr(self, "_off_session_error", None) or _localstripe_last_payment_error.fget(self)
)
AUTHENTICATION_REQUIRED = "Your card was declined. This transaction requires authentication."


@web.middleware
async def off_session(request, handler):
    """A saved card charged while its holder is away, answered as Stripe answers it (the module's docstring)."""
    if request.method != "POST" or request.path != "/v1/payment_intents":
        return await handler(request)
    params = await _original_get_post_data(request, remove_auth=False) or {}
    if str(params.get("off_session")).lower() != "true" or str(params.get("confirm")).lower() != "true":
        return await handler(request)
    response = await handler(request)
    if response.status == 200:
        intent = resources.PaymentIntent._api_retrieve(json.loads(response.body)["id"])
        if intent.status != "requires_action":
            return response
        method, intent.next_action, intent.payment_method = intent.payment_method, None, None
        intent._off_session_error = {
            "code": "authentication_required",
            "decline_code": "authentication_required",
            "message": AUTHENTICATION_REQUIRED,
            "type": "card_error",
            "payment_method": {"id": method, "object": "payment_method"},
        }
        schedule_webhook(resources.Event("payment_intent.payment_failed", intent))
        return web.json_response(
            {"error": {**intent._off_session_error, "payment_intent": intent._export()}}, status=402
        )
    if response.status == 402:
        error = json.loads(response.body)["error"]
        charge = resources.Charge._api_retrieve(error["charge"]) if error.get("charge") else None
        if charge is not None and charge.payment_intent:
            intent = resources.PaymentIntent._api_retrieve(charge.payment_intent)
            error = {
                **error,
                "type": "card_error",
                "decline_code": error.get("decline_code") or "generic_decline",
                "payment_intent": intent._export(),
            }
            return web.json_response({"error": error}, status=402)
    return response


@web.middleware
async def refund_lists(request, handler):
    """GET /v1/refunds?payment_intent= of an intent that has no charge yet: Stripe lists nothing, localstripe
    fails (it reads the intent's latest charge)."""
    intent_id = request.query.get("payment_intent")
    if request.method == "GET" and request.path == "/v1/refunds" and intent_id:
        try:
            intent = resources.PaymentIntent._api_retrieve(intent_id)
        except Exception:  # noqa: BLE001 - localstripe's own 404 is the answer
            return await handler(request)
        if intent.latest_charge is None:
            return web.json_response({"object": "list", "data": [], "has_more": False, "url": "/v1/refunds"})
    return await handler(request)


@web.middleware
async def idempotency(request, handler):
    key = request.headers.get("Idempotency-Key")
    if request.method != "POST" or not key:
        return await handler(request)
    body = await request.read()
    cache_key = (request.headers.get("Authorization", ""), key)
    if cache_key in _idempotent:
        first_body, status, text = _idempotent[cache_key]
        if first_body != body:
            return web.json_response(
                {
                    "error": {
                        "type": "idempotency_error",
                        "message": "Keys for idempotent "
                        "requests can only be used with the same parameters they were first "
                        "used with.",
                    }
                },
                status=400,
            )
        return web.Response(
            body=text, status=status, content_type="application/json", headers={"Idempotent-Replayed": "true"}
        )
    response = await handler(request)
    if response.status < 500 and isinstance(response, web.Response) and response.body is not None:
        _idempotent[cache_key] = (body, response.status, bytes(response.body))
    return response


async def _requests(request):
    return web.json_response(_recorded)


async def _clear(request):
    _recorded.clear()
    _idempotent.clear()
    _save_cards_of.clear()
    server.store.clear()
    return web.Response()


def build_app() -> web.Application:
    app = server.app
    if idempotency not in app.middlewares:
        app.middlewares[0:0] = [contract, idempotency, intent_states, saved_cards, off_session, refund_lists]
        app.router.add_get("/_config/shim/requests", _requests)
        app.router.add_delete("/_config/shim/data", _clear)
        fake_stripe_js.install(app)  # what Stripe.js sends (confirmCardPayment / confirmCardSetup)
    return app


class FakeStripe(LoopbackServer):
    """localstripe in a background thread (tests and the local stack start it the same way)."""

    thread_name = "fake-stripe"

    def build_app(self) -> web.Application:
        return build_app()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8420)
    args = parser.parse_args()
    web.run_app(build_app(), host="127.0.0.1", port=args.port)


if __name__ == "__main__":
    main()
