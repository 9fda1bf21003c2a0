"""The emails Cognito itself would send, for the local stack: invitations (AdminCreateUser) and password-reset
codes (ForgotPassword), kept so a developer can read them (`/_local/emails`, infra/local_emails.py).

moto 5.2's Cognito sends nothing and differs from Cognito where a client's first day depends on it, so this
WSGI middleware, in front of moto, does what Cognito does ("AdminCreateUser", "ForgotPassword" and
"ConfirmForgotPassword" in the Amazon Cognito API reference):

- AdminCreateUser without `TemporaryPassword` and without `MessageAction: SUPPRESS`: Cognito generates a temporary
  password that meets the pool's password policy and emails it (moto would create a user who cannot sign in).
- ForgotPassword: a 6-digit code, emailed (moto returns its own `moto-confirmation-code:N` in a response header
  and emails nothing); refused with NotAuthorizedException while the user still has a temporary password
  ("User password cannot be reset in the current state.").
- ConfirmForgotPassword: a wrong code is CodeMismatchException, a code older than an hour ExpiredCodeException
  (Cognito's codes last 1 hour), a password outside the pool's policy InvalidPasswordException (moto accepts any
  code not starting with its prefix, and any password), and each code works once.

Message texts are the pool's `AdminCreateUserConfig.InviteMessageTemplate` / `VerificationMessageTemplate` when the
template sets them, else Cognito's defaults."""

import json
import secrets
import string
import threading
import time
from datetime import UTC, datetime

from moto.core import DEFAULT_ACCOUNT_ID

TARGET = "AWSCognitoIdentityProviderService."
CODE_LIFETIME = 3600  # seconds: "The code is valid for 1 hour" (Cognito's ForgotPassword)
DEFAULT_INVITE = ("Your temporary password", "Your username is {username} and temporary password is {####}.")
DEFAULT_CODE = ("Your verification code", "Your verification code is {####}.")

_lock = threading.Lock()
_sent: list[dict] = []
_codes: dict[tuple[str, str], tuple[str, str, float]] = {}  # (pool id, user's sub) -> (code, moto's code, expiry)


def sent() -> list[dict]:
    """Every email Cognito would have sent, oldest first: {"kind", "to", "subject", "text", "sent_at"}."""
    with _lock:
        return [dict(m) for m in _sent]


def clear() -> None:
    with _lock:
        _sent.clear()
        _codes.clear()


def _record(kind: str, to: str, subject: str, text: str) -> None:
    with _lock:
        _sent.append(
            {
                "kind": kind,
                "to": to,
                "subject": subject,
                "text": text,
                "sent_at": datetime.now(UTC).isoformat(timespec="seconds"),
            }
        )


def _backend(region: str):
    from moto.cognitoidp.models import cognitoidp_backends

    return cognitoidp_backends[DEFAULT_ACCOUNT_ID][region]


def _pool_of_client(region: str, client_id: str):
    return next((p for p in _backend(region).user_pools.values() if client_id in p.clients), None)


def temporary_password(policy: dict) -> str:
    """A password Cognito's generator could have made: the policy's length (at least 12 here), every class it
    requires, from `secrets`."""
    length = max(int(policy.get("MinimumLength", 8)), 12)
    classes = [string.ascii_lowercase, string.ascii_uppercase, string.digits]
    if policy.get("RequireSymbols"):
        classes.append("^$*.[]{}()?!@#%&/,><:;|_~=+-")
    chars = [secrets.choice(c) for c in classes]
    alphabet = "".join(classes)
    chars += [secrets.choice(alphabet) for _ in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def _error(start_response, kind: str, message: str) -> list[bytes]:
    body = json.dumps({"__type": kind, "message": message}).encode()
    # With CORS, as moto's own answers (and Cognito's) have it: the portal calls from the browser.
    start_response(
        "400 Bad Request",
        [
            ("Content-Type", "application/x-amz-json-1.1"),
            ("Content-Length", str(len(body))),
            ("x-amzn-ErrorType", kind),
            ("Access-Control-Allow-Origin", "*"),
        ],
    )
    return [body]


def _email_of(user) -> str:
    return next((a["Value"] for a in user.attributes if a["Name"] == "email"), user.username)


class CognitoMail:
    """WSGI middleware in front of moto: the three operations above, everything else passed through."""

    def __init__(self, app, region: str = "us-east-1"):
        self._app, self._region = app, region

    def __call__(self, environ: dict, start_response):
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if not target.startswith(TARGET) or environ.get("REQUEST_METHOD") != "POST":
            return self._app(environ, start_response)
        action = target[len(TARGET) :]
        handler = getattr(self, f"_{action}", None)
        if handler is None:
            return self._app(environ, start_response)
        import io

        raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            environ["wsgi.input"] = io.BytesIO(raw)
            return self._app(environ, start_response)
        return handler(environ, start_response, body)

    def _call(self, environ: dict, start_response, body: dict, capture: dict | None = None):
        """moto's answer to `body`; `capture` receives its status and headers."""
        import io

        raw = json.dumps(body).encode()
        environ["wsgi.input"] = io.BytesIO(raw)
        environ["CONTENT_LENGTH"] = str(len(raw))

        def starting(status, headers, exc_info=None):
            if capture is not None:
                capture["status"], capture["headers"] = status, dict(headers)
                headers = [(k, v) for k, v in headers if k.lower() != "x-moto-forgot-password-confirmation-code"]
            return start_response(status, headers, exc_info)

        return self._app(environ, starting)

    def _AdminCreateUser(self, environ, start_response, body):
        pool = _backend(self._region).user_pools.get(body.get("UserPoolId", ""))
        if pool is None or body.get("MessageAction") == "SUPPRESS":
            return self._call(environ, start_response, body)
        policy = pool.extended_config.get("Policies", {}).get("PasswordPolicy", {})
        if not body.get("TemporaryPassword"):
            body["TemporaryPassword"] = temporary_password(policy)
        capture: dict = {}
        answer = b"".join(self._call(environ, start_response, body, capture))
        if capture.get("status", "").startswith("200"):
            attributes = {a.get("Name"): a.get("Value") for a in body.get("UserAttributes", [])}
            template = pool.extended_config.get("AdminCreateUserConfig", {}).get("InviteMessageTemplate", {})
            subject = template.get("EmailSubject") or DEFAULT_INVITE[0]
            text = (
                (template.get("EmailMessage") or DEFAULT_INVITE[1])
                .replace("{username}", body.get("Username", ""))
                .replace("{####}", body["TemporaryPassword"])
            )
            _record("invitation", attributes.get("email") or body.get("Username", ""), subject, text)
        return [answer]

    def _ForgotPassword(self, environ, start_response, body):
        pool = _pool_of_client(self._region, body.get("ClientId", ""))
        user = pool._get_user(body.get("Username", "")) if pool else None
        if user is not None and user.status.value == "FORCE_CHANGE_PASSWORD":
            return _error(
                start_response, "NotAuthorizedException", "User password cannot be reset in the current state."
            )
        capture: dict = {}
        answer = b"".join(self._call(environ, start_response, body, capture))
        moto_code = capture.get("headers", {}).get("x-moto-forgot-password-confirmation-code")
        if user is not None and moto_code and capture.get("status", "").startswith("200"):
            code = f"{secrets.randbelow(1_000_000):06d}"
            with _lock:
                _codes[(pool.id, user.id)] = (code, moto_code, time.monotonic() + CODE_LIFETIME)
            template = pool.extended_config.get("VerificationMessageTemplate", {})
            subject = template.get("EmailSubject") or DEFAULT_CODE[0]
            text = (template.get("EmailMessage") or DEFAULT_CODE[1]).replace("{####}", code)
            _record("password reset code", _email_of(user), subject, text)
        return [answer]

    def _ConfirmForgotPassword(self, environ, start_response, body):
        pool = _pool_of_client(self._region, body.get("ClientId", ""))
        user = pool._get_user(body.get("Username", "")) if pool else None
        if user is None:
            return self._call(environ, start_response, body)
        with _lock:
            code, moto_code, expires = _codes.get((pool.id, user.id), (None, None, 0.0))
        if code is None or not secrets.compare_digest(str(body.get("ConfirmationCode", "")), code):
            return _error(
                start_response, "CodeMismatchException", "Invalid verification code provided, please try again."
            )
        if time.monotonic() > expires:
            return _error(start_response, "ExpiredCodeException", "Invalid code provided, please request a code again.")
        from moto.cognitoidp.exceptions import InvalidPasswordException

        try:
            _backend(self._region)._validate_password(pool.id, str(body.get("Password", "")))
        except InvalidPasswordException:
            return _error(
                start_response,
                "InvalidPasswordException",
                "Password does not conform to policy: Password not long enough",
            )
        capture: dict = {}
        answer = b"".join(self._call(environ, start_response, {**body, "ConfirmationCode": moto_code}, capture))
        if capture.get("status", "").startswith("200"):
            with _lock:
                _codes.pop((pool.id, user.id), None)  # a code works once
        return [answer]
