"""shared.http.errors.ErrorCode is every error code the API answers: each one is in docs/openapi.json, and every code the
code raises (read from its source) is one of them, with a status the enum allows."""

import ast
import json
from pathlib import Path

import pytest

from infra import openapi
from shared.aws import ach_event_queue, retries  # noqa: F401  (their DomainError subclasses)
from shared.http.errors import DomainError, ErrorCode
from shared.http.validation import NOT_FOUND_CODES

ROOT = Path(__file__).resolve().parent.parent


def _subclasses(cls: type) -> list[type]:
    return [cls, *(s for sub in cls.__subclasses__() for s in _subclasses(sub))]


# The callables a code literal is handed to, and the status it is answered with. A new one fails the scan below
# until it is named here.
ERROR_CLASSES = {cls.__name__: cls for cls in _subclasses(DomainError)}
# shared.http.validation.text_field: Unprocessable; shared.aws.retries.until_won and shared.books.work.run (through it): Conflict
PASSES_CODE = {"text_field": 422, "until_won": 409, "run": 409}
NOT_ERRORS = {
    "Failure"
}  # a payment's failure.code (shared.domain.declines, shared.domain.bank_accounts): not an error answer


def _documented_codes(doc: dict) -> set[str]:
    codes = set()
    for item in doc["paths"].values():
        for operation in item.values():
            for response in operation["responses"].values():
                schema = response.get("content", {}).get("application/json", {}).get("schema", {})
                for option in schema.get("oneOf", [schema]):
                    codes.update(
                        option.get("properties", {})
                        .get("error", {})
                        .get("properties", {})
                        .get("code", {})
                        .get("enum", [])
                    )
    return codes


def _name(func: ast.expr) -> str:
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _literal(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "ErrorCode":
        return ErrorCode[node.attr].value
    return None


def raised_codes() -> list[tuple[str, int, str]]:
    """(code, status, where) for every code literal the functions and shared/ answer with."""
    found = []
    for path in sorted([*ROOT.joinpath("shared").rglob("*.py"), *ROOT.joinpath("functions").rglob("*.py")]):
        where = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef) and node.name in ERROR_CLASSES:
                for statement in node.body:
                    if isinstance(statement, ast.Assign) and [getattr(t, "id", "") for t in statement.targets] == [
                        "code"
                    ]:
                        found.append((_literal(statement.value), ERROR_CLASSES[node.name].status, where))
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func)
            code = next((_literal(k.value) for k in node.keywords if k.arg == "code"), None)
            if name == "text_field" and len(node.args) >= 3:
                code = _literal(node.args[2])
            if name == "error_response":  # shared.http.web: a literal code, or a DomainError's (read where raised)
                if _literal(node.args[1]) is not None:
                    found.append((_literal(node.args[1]), node.args[0].value, where))
            elif code is not None and name not in NOT_ERRORS:
                assert name in ERROR_CLASSES or name in PASSES_CODE, f"{where}:{node.lineno}: {name}(code=...)"
                found.append((code, PASSES_CODE.get(name) or ERROR_CLASSES[name].status, where))
    found += [(code, 404, "shared/http/validation.py NOT_FOUND_CODES") for code in NOT_FOUND_CODES.values()]
    return found


def test_every_code_in_the_enum_is_in_the_document():
    doc = json.loads(openapi.COMMITTED.read_text())
    listed = _documented_codes(doc)
    unlisted = {code for code in ErrorCode if code not in listed}
    # Only a code any function answers for a route API Gateway never sends it goes unlisted by the operations,
    # and the Error schema describes it.
    assert unlisted == set(openapi.ANY_ROUTE)
    described = doc["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]["description"]
    assert all(f"`{code}`" in described for code in unlisted)
    assert listed <= set(ErrorCode)


def test_every_code_raised_is_in_the_enum_with_its_status():
    found = raised_codes()
    assert {code for code, _, _ in found} == set(ErrorCode)  # and the enum holds no code nothing answers
    unknown = sorted({f"{where}: {code}" for code, _, where in found if code not in ErrorCode.__members__.values()})
    assert unknown == []
    wrong = sorted(
        {
            f"{where}: {code} {status}"
            for code, status, where in found
            if code in ErrorCode.__members__.values() and status not in ErrorCode(code).statuses
        }
    )
    assert wrong == []


def test_the_generic_statuses_are_raised_with_a_code():
    """BadRequest, NotFound, Conflict... have no code of their own: each raise names one."""
    generic = {name for name, cls in ERROR_CLASSES.items() if "code" not in vars(cls) and cls is not DomainError}
    assert {"BadRequest", "NotFound", "Conflict", "Unprocessable", "TooManyRequests"} <= generic
    missing = []
    for path in [*ROOT.joinpath("shared").rglob("*.py"), *ROOT.joinpath("functions").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and _name(node.func) in generic
                and not any(k.arg == "code" for k in node.keywords)
            ):
                missing.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert missing == []


def test_a_route_cannot_list_a_code_with_a_status_the_enum_does_not_allow():
    assert openapi._by_status((ErrorCode.INVOICE_PAID, (ErrorCode.INVOICE_VOID, 422))) == {
        409: [ErrorCode.INVOICE_PAID],
        422: [ErrorCode.INVOICE_VOID],
    }
    with pytest.raises(ValueError, match="invalid_json"):
        openapi._by_status(((ErrorCode.INVALID_JSON, 422),))


def test_an_error_answer_is_the_same_json_as_with_a_plain_string():
    from shared.http.errors import Forbidden
    from shared.http.web import error_response

    error = Forbidden()
    answer = error_response(error.status, error.code, error.message)
    assert answer.body == json.dumps({"error": {"code": "forbidden", "message": error.message}})
