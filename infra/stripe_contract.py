"""Stripe's request contract for the API version stripe-python was generated for, read from the SDK itself.

stripe-python is generated from Stripe's OpenAPI spec: each service method names the HTTP route it calls
and the TypedDict (`stripe.params.*Params`) of the parameters that route accepts in that version. This
module turns both into a judge of a request *as sent on the wire* (form-encoded, so every leaf is a
string): unknown parameter names (at any depth), missing required ones, and values of the wrong kind.
The local Stripe stand-in answers with it as Stripe would, and the contract tests use it on what the
adapter really sent. Tests and the local stack only; production code never imports it.
"""

import importlib
import re
import sys
import types
import typing
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import stripe
import typing_extensions
from stripe._api_version import _ApiVersion
from stripe._request_options import RequestOptions

API_VERSION = _ApiVersion.CURRENT  # the version these types describe
_OPTIONS = set(RequestOptions.__annotations__)  # client-side options (api_key, idempotency_key...), not sent
_WRAPPERS = {typing.Required, typing.NotRequired, typing_extensions.Required, typing_extensions.NotRequired}
_LITERALS = (typing.Literal, typing_extensions.Literal)
_CALL = re.compile(r'self\._request\(\s*"(\w+)",\s*"(/v1/[^"]*)"')
_PARAMS = re.compile(r'params: (?:Optional\[)?"(\w+Params)"')
_IMPORT = re.compile(r"from (stripe\.params[\w.]*) import \(?\s*(\w+Params)")


@dataclass(frozen=True)
class Route:
    service: str  # the service class, as stripe-python names it: PaymentIntentService
    method: str  # its method: create, confirm...
    http_method: str  # GET | POST | DELETE
    template: str  # /v1/payment_intents/{intent}/confirm
    params_name: str | None  # the TypedDict of the route's parameters (None: it takes none)...
    params_module: str | None  # ...and where it is (imported on first use: there are hundreds)

    @property
    def params(self) -> type | None:
        return getattr(importlib.import_module(self.params_module), self.params_name) if self.params_name else None

    def matches(self, http_method: str, path: str) -> bool:
        return (
            http_method == self.http_method
            and re.fullmatch(re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(self.template)), path) is not None
        )


@dataclass(frozen=True)
class Problem:
    """One thing Stripe would refuse, in Stripe's own error words."""

    param: str  # Stripe's name for it: metadata[client_id], allowed_payment_method_types[0]
    code: str | None  # parameter_unknown, parameter_missing, parameter_invalid_integer, or None
    message: str


@cache
def routes() -> tuple[Route, ...]:
    """Every v1 route of the installed SDK; routes with fewer placeholders first (/search before /{id})."""
    found = []
    root = Path(stripe.__file__).parent
    for source in sorted(root.rglob("*_service.py")):
        if "v2" in source.relative_to(root).parts:
            continue
        text = source.read_text()
        service = re.search(r"^class (\w+)\(StripeService\)", text, re.M)
        modules = {name: module for module, name in _IMPORT.findall(text)}
        for chunk in re.split(r"\n    def ", text)[1:]:  # one method each (async ones share the route)
            name, signature = chunk.split("(", 1)[0], chunk.split(") ->", 1)[0]
            call, params = _CALL.search(chunk), _PARAMS.search(signature)
            if service and call:
                found.append(
                    Route(
                        service[1], name, call[1].upper(), call[2], params and params[1], params and modules[params[1]]
                    )
                )
    return tuple(sorted(found, key=lambda r: r.template.count("{")))


def route_for(http_method: str, path: str) -> Route | None:
    return next((r for r in routes() if r.matches(http_method, path)), None)


def route_of_call(service_attr: str, method: str) -> Route:
    """The route behind `client.v1.<service_attr>.<method>` (how the adapter spells a call)."""
    service = type(getattr(stripe.StripeClient("sk_test_contract").v1, service_attr)).__name__
    return next(r for r in routes() if (r.service, r.method) == (service, method))


def check(http_method: str, path: str, data: dict) -> list[Problem]:
    """What Stripe would refuse in this request (decoded form or query data); [] when it is acceptable."""
    route = route_for(http_method, path)
    if route is None:
        return [Problem("", None, f"Unrecognized request URL ({http_method}: {path}).")]
    if route.params is None:
        return [Problem(k, "parameter_unknown", f"Received unknown parameter: {k}") for k in data]
    return _typed_dict(route.params, data, "")


def _name(prefix: str, key) -> str:
    return f"{prefix}[{key}]" if prefix else str(key)


def _typed_dict(cls: type, data, prefix: str) -> list[Problem]:
    if not isinstance(data, dict):
        return [Problem(prefix, None, f"Invalid object: {prefix} must be a hash")]
    fields = {k: v for k, v in cls.__annotations__.items() if not (prefix == "" and k in _OPTIONS)}
    namespace = vars(sys.modules[cls.__module__])
    problems = [
        Problem(_name(prefix, k), "parameter_unknown", f"Received unknown parameter: {_name(prefix, k)}")
        for k in data
        if k not in fields
    ]
    problems += [
        Problem(_name(prefix, k), "parameter_missing", f"Missing required param: {_name(prefix, k)}.")
        for k in sorted(cls.__required_keys__)
        if k in fields and k not in data
    ]
    for key, value in data.items():
        if key in fields:
            problems += _value(fields[key], value, _name(prefix, key), namespace)
    return problems


def _value(annotation, value, name: str, namespace: dict) -> list[Problem]:
    tp = _resolve(annotation, namespace)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in _WRAPPERS:
        return _value(args[0], value, name, namespace)
    if origin in (typing.Union, types.UnionType):
        args = [_resolve(a, namespace) for a in args if a is not type(None)]
        if any(typing.get_origin(a) in _LITERALS and set(typing.get_args(a)) - {""} for a in args):
            args = [a for a in args if a is not str]  # `Literal[...]|str` is the SDK's leniency, not the spec
        tries = [_value(a, value, name, namespace) for a in args]
        return min(tries, key=len) if all(tries) else []  # one acceptable branch is enough
    if origin in _LITERALS:
        choices = [str(a).lower() if isinstance(a, bool) else str(a) for a in args]
        return [] if value in choices else [Problem(name, None, f"Invalid {name}: must be one of {', '.join(choices)}")]
    if origin is list:
        if not isinstance(value, list):
            return [Problem(name, None, f"Invalid array: {name}")]
        return [p for i, item in enumerate(value) for p in _value(args[0], item, f"{name}[{i}]", namespace)]
    if origin is dict:
        if not isinstance(value, dict):
            return [Problem(name, None, f"Invalid hash: {name}")]
        return [p for k, item in value.items() for p in _value(args[1], item, f"{name}[{k}]", namespace)]
    if typing_extensions.is_typeddict(tp):
        return _typed_dict(tp, value, name)
    return _leaf(tp, value, name)


def _leaf(tp, value, name: str) -> list[Problem]:
    if not isinstance(value, str):
        return [Problem(name, None, f"Invalid {name}: expected a single value")]
    if tp is int and not re.fullmatch(r"-?\d+", value):
        return [Problem(name, "parameter_invalid_integer", f"Invalid integer: {value}")]
    if tp is bool and value not in ("true", "false"):
        return [Problem(name, None, f"Invalid boolean: {value}")]
    if tp is float and not re.fullmatch(r"-?\d+(\.\d+)?", value):
        return [Problem(name, None, f"Invalid decimal: {value}")]
    return []  # str, and the untyped objects the spec leaves open


def _resolve(annotation, namespace: dict):
    if isinstance(annotation, typing.ForwardRef):
        annotation = annotation.__forward_arg__
    if isinstance(annotation, str):
        return _resolve(eval(annotation, namespace), namespace)  # the SDK's own annotation text
    return annotation
