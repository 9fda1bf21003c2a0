"""stripe-python as the functions load it: without `requests` and `asyncio`, talking to Stripe through urllib3.

Import `stripe` from here, not directly: the first import of stripe-python decides what it loads. Its
`_http_client` module imports `requests` to choose its default client, and `asyncio` and whichever of httpx with
anyio or aiohttp is installed for its async clients: about 36 ms of a cold start (requests and asyncio: the
deployed package has neither httpx nor aiohttp) that no request of ours uses. They are deferred
(shared/coldstart/deferred_modules.py) and every StripeClient is given `Urllib3Client`, so a function never loads them.
"""

import importlib

from shared.coldstart.deferred_modules import defer

# Before stripe-python's first import, or it loads them all. Only what is installed and not yet loaded is deferred.
defer("requests", "asyncio", "httpx", "anyio", "aiohttp")

import stripe  # noqa: E402
import urllib3  # noqa: E402  (botocore's HTTP library: loaded already)

__all__ = ["Urllib3Client", "load_request_classes", "stripe"]

# What the card adapters' requests load on their first use: the client and, for each Stripe resource they call,
# its service and its object class (stripe-python imports each lazily), then the SDK's map from an answer's
# `object` to its class and the module that reads its telemetry id. About 45 modules, 65-80 ms in all.
REQUEST_CLASSES = (
    "StripeClient",
    "Customer",
    "CustomerService",
    "PaymentIntent",
    "PaymentIntentService",
    "PaymentMethod",
    "PaymentMethodService",
    "SetupIntent",
    "SetupIntentService",
    "Refund",
    "RefundService",
)
REQUEST_MODULES = ("stripe._object_classes", "stripe._telemetry_id")


def load_request_classes() -> None:
    """Import them now: code only. No client, key or connection is made, and nothing is called (the telemetry id
    is read by the first request, so a snapshot never holds one)."""
    for name in REQUEST_CLASSES:
        getattr(stripe, name)
    for module in REQUEST_MODULES:
        importlib.import_module(module)


_RETRYABLE = (urllib3.exceptions.TimeoutError, urllib3.exceptions.ProtocolError)


class Urllib3Client(stripe.HTTPClient):
    """stripe-python's own extension point for HTTP clients (`StripeClient(http_client=...)`), on urllib3.

    As stripe-python's requests client does: connections are kept alive (one pool per process), Stripe's
    certificate is checked against stripe-python's CA bundle, a failed connection, a dropped connection or a
    timeout is retryable and a certificate failure is not. stripe-python itself decides the retries (status
    codes, `Stripe-Should-Retry`, backoff) and sends every retry with the same Idempotency-Key.
    """

    name = "urllib3"

    def __init__(self, timeout: float = 80):  # seconds, stripe-python's default for its requests client
        super().__init__()
        self._pool = urllib3.PoolManager(
            cert_reqs="CERT_REQUIRED",
            ca_certs=stripe.ca_bundle_path,
            timeout=urllib3.Timeout(total=timeout),
            retries=False,
        )

    def request(self, method, url, headers, post_data=None):  # type: ignore[override]  # no _usage, as stripe's own
        response = self._send(method, url, headers, post_data, preload=True)
        return response.data, response.status, response.headers

    def request_stream(self, method, url, headers, post_data=None):  # type: ignore[override]
        response = self._send(method, url, headers, post_data, preload=False)
        return response, response.status, response.headers

    def _send(self, method, url, headers, post_data, *, preload: bool) -> urllib3.BaseHTTPResponse:
        body = post_data.encode() if isinstance(post_data, str) else post_data
        try:
            return self._pool.request(
                method, url, headers=dict(headers or {}), body=body, preload_content=preload, redirect=False
            )
        except urllib3.exceptions.SSLError as exc:
            raise _connection_error(exc, "Stripe's certificate could not be verified.", retry=False) from exc
        except _RETRYABLE as exc:
            raise _connection_error(exc, "Stripe could not be reached.", retry=True) from exc
        except urllib3.exceptions.HTTPError as exc:
            raise _connection_error(exc, "The request to Stripe failed.", retry=False) from exc

    def close(self):
        self._pool.clear()


def _connection_error(exc: Exception, message: str, *, retry: bool) -> stripe.APIConnectionError:
    return stripe.APIConnectionError(f"{message} (Network error: {type(exc).__name__}: {exc})", should_retry=retry)
