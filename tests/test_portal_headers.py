"""The portal's security headers: the template's CloudFront response headers policy (production) is the policy
infra/portal_headers.py writes, and the local portal server sends it on every answer. The browser tests
(tests/e2e/test_portal_browser.py) run the portal under it and see no violation."""

import re
from pathlib import Path

import requests

from infra import portal_headers, template
from infra.portal_server import PortalServer

PRODUCTION = {
    "api": "https://${PortalApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}",
    "identity": "https://cognito-idp.${AWS::Region}.amazonaws.com",
}


def _policy() -> dict:
    return template.resources("AWS::CloudFront::ResponseHeadersPolicy")["PortalResponseHeadersPolicy"]["Properties"][
        "ResponseHeadersPolicyConfig"
    ]


def _directives(csp: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in csp.split("; ")}


def test_the_template_sets_in_production_what_the_module_writes():
    config = _policy()
    security = config["SecurityHeadersConfig"]
    csp = security["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    csp = csp["Fn::Sub"] if isinstance(csp, dict) else csp
    assert csp == portal_headers.content_security_policy(**PRODUCTION)
    assert security["FrameOptions"]["FrameOption"] == portal_headers.FRAME_OPTIONS
    assert security["ReferrerPolicy"]["ReferrerPolicy"] == portal_headers.REFERRER_POLICY
    assert "ContentTypeOptions" in security and security["StrictTransportSecurity"]["AccessControlMaxAgeSec"] > 0
    assert all(h["Override"] for h in [*security.values(), *config["CustomHeadersConfig"]["Items"]])
    assert {h["Header"]: h["Value"] for h in config["CustomHeadersConfig"]["Items"]} == {
        "Permissions-Policy": portal_headers.PERMISSIONS_POLICY
    }


def test_the_production_policy_allows_only_the_portal_stripe_the_api_and_cognito():
    directives = _directives(portal_headers.content_security_policy(**PRODUCTION))
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'", "https://js.stripe.com", "https://*.js.stripe.com"]
    assert directives["frame-src"] == ["https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"]
    assert directives["connect-src"] == ["'self'", PRODUCTION["api"], PRODUCTION["identity"], "https://api.stripe.com"]
    assert directives["frame-ancestors"] == ["'none'"] and directives["object-src"] == ["'none'"]
    assert not any("unsafe-eval" in s or s == "*" for sources in directives.values() for s in sources)
    assert "'unsafe-inline'" not in directives["script-src"]


def test_the_policy_fits_cloudfronts_quota_with_the_longest_region():
    real = portal_headers.content_security_policy(
        api="https://abcdefghij.execute-api.ap-southeast-5.amazonaws.com.cn",
        identity="https://cognito-idp.ap-southeast-5.amazonaws.com",
    )
    assert len(real) <= portal_headers.CLOUDFRONT_MAX_CSP


def test_the_local_portal_server_sends_them_on_every_answer():
    server = PortalServer(0).start(
        "http://127.0.0.1:3999", identity_url="http://127.0.0.1:4566/", stripe_url="http://127.0.0.1:8420"
    )
    try:
        for path in ("/", "/invoices/inv-1", "/app.js", "/config.json", "/missing.js"):
            headers = requests.get(server.url + path, timeout=5).headers
            assert headers["X-Frame-Options"] == "DENY", path
            assert headers["Referrer-Policy"] == portal_headers.REFERRER_POLICY
            assert headers["Permissions-Policy"] == portal_headers.PERMISSIONS_POLICY
            assert headers["X-Content-Type-Options"] == "nosniff"
            directives = _directives(headers["Content-Security-Policy"])
            assert directives["connect-src"] == [
                "'self'",
                "http://127.0.0.1:3999",
                "http://127.0.0.1:4566",
                "http://127.0.0.1:8420",
            ]
            assert directives["script-src"] == ["'self'", "http://127.0.0.1:8420"]
            assert directives["frame-ancestors"] == ["'none'"]
    finally:
        server.stop()


def test_the_portal_has_no_inline_script_for_the_policy_to_block():
    """What 'self' covers is the portal's own files: index.html loads one module and has no inline script or
    handler (the policy would block it, and the browser tests would see it)."""
    text = (Path(__file__).resolve().parent.parent / "portal" / "index.html").read_text()
    assert re.findall(r"<script[^>]*>", text) == ['<script type="module" src="/app.js">']
    assert not re.search(r"\son\w+=", text)


ROOT = Path(__file__).resolve().parent.parent
STRIPE_JS = "https://js.stripe.com/v3/"


def _inventory() -> set[str]:
    """The scripts docs/safety.md lists under "Scripts on the payment page"."""
    text = (ROOT / "docs" / "safety.md").read_text().split("### Scripts on the payment page", 1)[1]
    return set(re.findall(r"^\| `([^`]+)`", text, re.M))


def test_every_script_of_the_payment_page_is_in_the_inventory_with_its_reason():
    files = {str(p.relative_to(ROOT)) for p in (ROOT / "portal").rglob("*.js")}
    assert _inventory() == files | {STRIPE_JS}


def test_only_the_stripe_loader_adds_a_script_and_modules_import_only_each_other():
    from shared.http.portal_settings import STRIPE_JS_URL

    assert STRIPE_JS_URL == STRIPE_JS
    for path in (ROOT / "portal").rglob("*.js"):
        text = path.read_text()
        adds_script = "createElement('script')" in text or 'createElement("script")' in text
        assert adds_script == (path.name == "stripe.js"), path
        for source in re.findall(r"^import .* from '([^']+)';", text, re.M):
            assert source.startswith(("./", "../")), (path, source)
        assert "eval(" not in text and "new Function" not in text and "innerHTML" not in text, path
