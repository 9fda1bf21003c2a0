"""The portal's security headers, written once: the local portal server (infra/portal_server.py) sends them with
the local stack's origins, and the template's CloudFront response headers policy (PortalResponseHeadersPolicy)
with production's; tests/test_portal_headers.py holds the two equal.

The portal is the page that embeds Stripe's card form, so under PCI DSS 4.0.1 (SAQ A, requirements 6.4.3 and
11.6.1) the merchant must show which scripts run on it and that nothing else can. The Content-Security-Policy is
that list, enforced by the browser: scripts only from the portal itself and Stripe.js; connections only to the
portal, the payments API, the Cognito endpoint it signs in against and Stripe's API; frames only Stripe's (its
card fields and 3-D Secure); and the page itself never framed (`frame-ancestors 'none'`, and X-Frame-Options
for browsers that predate it), so "Submit Payment" cannot be clickjacked. No inline script and no eval: the
portal has none. Inline styles are allowed: Stripe.js sets style attributes on the frames it inserts (mozilla/fxa
#2138 found the same), and a style cannot run code.

Stripe's origins are those of its integration security guide (docs.stripe.com/security/guide, "Content Security
Policy"): script-src and frame-src https://js.stripe.com and https://*.js.stripe.com, frame-src
https://hooks.stripe.com (3-D Secure), connect-src https://api.stripe.com. Its https://maps.googleapis.com
entries are for the Address Element's autocomplete, which the portal does not use.
"""

from collections.abc import Sequence

STRIPE_JS = ("https://js.stripe.com", "https://*.js.stripe.com")
STRIPE_FRAMES = (*STRIPE_JS, "https://hooks.stripe.com")
STRIPE_API = "https://api.stripe.com"
FRAME_OPTIONS = "DENY"
REFERRER_POLICY = "strict-origin-when-cross-origin"  # other origins get the origin only, never a path
# Nothing the portal uses; `payment` too (the card form does not need the Payment Request API: a wallet button
# would, and would then allow it for https://js.stripe.com).
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
# CloudFront's quota on a response headers policy's Content-Security-Policy value (Developer Guide, "Quotas").
CLOUDFRONT_MAX_CSP = 1783


def content_security_policy(
    *,
    api: str,
    identity: str,
    stripe_js: Sequence[str] = STRIPE_JS,
    stripe_frames: Sequence[str] = STRIPE_FRAMES,
    stripe_api: str = STRIPE_API,
) -> str:
    """`api`: the payments API's origin; `identity`: the Cognito endpoint's. Stripe's by default (production);
    the local stack passes localstripe's, which serves the Stripe.js stand-in and the API it calls."""
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *stripe_js],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],  # data: the page's empty favicon
        "font-src": ["'self'"],
        "connect-src": ["'self'", api, identity, stripe_api],
        "frame-src": list(stripe_frames),
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(dict.fromkeys(sources))}" for name, sources in directives.items())


def security_headers(csp: str) -> dict[str, str]:
    return {
        "Content-Security-Policy": csp,
        "X-Frame-Options": FRAME_OPTIONS,
        "Referrer-Policy": REFERRER_POLICY,
        "Permissions-Policy": PERMISSIONS_POLICY,
        "X-Content-Type-Options": "nosniff",
    }


def origin(url: str) -> str:
    """'http://127.0.0.1:4566/path' -> 'http://127.0.0.1:4566'."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"
