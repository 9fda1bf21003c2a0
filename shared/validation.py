"""The checks every request body starts with."""

from shared.errors import BadRequest, Unprocessable


def json_object(body: object, allowed: set[str] | tuple[str, ...]) -> dict:
    """The body as a dict with no field outside `allowed`, or the contract's error."""
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.", code="invalid_json")
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise Unprocessable(f"Unknown field(s): {', '.join(unknown)}. Allowed: {', '.join(sorted(allowed))}.",
                            code="unknown_field")
    return body
