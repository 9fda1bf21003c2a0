"""The split of token checks: the local gateway checks what API Gateway's JWT authorizer checks, no more and no
less; claims reach the handler rendered as API Gateway renders them; the handler parses the group claim exactly."""

import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from infra.apigw import authorizer_claims
from infra.gateway import JwtAuthorizer
from shared.http.web import group_names

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_pool"
APP_CLIENT = "portal-app-client"


# ---------- how claims reach Lambda (payload 2.0) ----------


def test_claims_are_rendered_as_api_gateway_renders_them():
    rendered = authorizer_claims(
        {
            "sub": "u-1",
            "exp": 1700000000,
            "email_verified": True,
            "ratio": 1.5,
            "cognito:groups": ["merchant-admins", "support,ops"],
            "nickname": None,
            "address": {"country": "US"},
            "empty": [],
        }
    )
    assert rendered == {
        "sub": "u-1",
        "exp": "1700000000",
        "email_verified": "true",
        "ratio": "1.5",
        "cognito:groups": "[merchant-admins support,ops]",
        "address": '{"country":"US"}',
        "empty": "[]",
    }


@pytest.mark.parametrize(
    "rendered, groups",
    [
        ("[merchant-admins]", ["merchant-admins"]),
        ("[support merchant-admins]", ["support", "merchant-admins"]),
        ("[support,merchant-admins]", ["support,merchant-admins"]),  # one group whose name has a comma
        ("[merchant-admins,support]", ["merchant-admins,support"]),
        ("[[merchant-admins]]", ["[merchant-admins]"]),  # brackets are legal in a name: only the outer pair goes
        ('["merchant-admins"]', ['"merchant-admins"']),  # not JSON: quotes are part of the name
        ("[]", []),
        ("merchant-admins", []),  # not how API Gateway renders a list claim
        ("[merchant-admins", []),
        ("", []),
        (None, []),
    ],
)
def test_group_claim_parsing(rendered, groups):
    assert group_names(rendered) == groups


@pytest.mark.parametrize("names", [["merchant-admins"], ["support,merchant-admins", "x"], ["[a]", "]b[", "c,d,e"]])
def test_group_names_survive_the_rendering(names):
    assert group_names(authorizer_claims({"cognito:groups": names})["cognito:groups"]) == names


# ---------- the local JWT authorizer ----------


@pytest.fixture(scope="module")
def pool_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def authorizer(pool_key, monkeypatch):
    """The gateway's authorizer with the pool's JWKS holding one key, "k1" (no HTTP)."""
    jwk = jwt.PyJWK.from_dict(
        {
            **jwt.algorithms.RSAAlgorithm.to_jwk(pool_key.public_key(), as_dict=True),
            "kid": "k1",
            "alg": "RS256",
            "use": "sig",
        }
    )
    monkeypatch.setattr(JwtAuthorizer, "_fetch", lambda self: {"k1": jwk})
    return JwtAuthorizer("http://unused/jwks.json", ISSUER, [APP_CLIENT])


def id_token_claims(**changes):
    now = int(time.time())
    claims = {
        "sub": "u-1",
        "iss": ISSUER,
        "aud": APP_CLIENT,
        "token_use": "id",
        "auth_time": now,
        "iat": now,
        "exp": now + 3600,
        "custom:client_id": "client-a",
        "cognito:groups": ["merchant-admins"],
    }
    return {k: v for k, v in (claims | changes).items() if v is not None}


def access_token_claims(**changes):
    """A Cognito access token names its app client in client_id and has no aud."""
    return (
        id_token_claims(
            aud=None,
            client_id=APP_CLIENT,
            token_use="access",
            scope="aws.cognito.signin.user.admin",
            **{"custom:client_id": None},
        )
        | changes
    )


def token(claims, key, *, kid="k1", algorithm="RS256"):
    return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": kid})


def test_an_id_token_passes_with_its_claims_untouched(authorizer, pool_key):
    claims = id_token_claims()
    assert authorizer.claims("Bearer " + token(claims, pool_key)) == claims
    assert authorizer.claims(token(claims, pool_key)) == claims  # the token alone is accepted too


@pytest.mark.parametrize(
    "claims",
    [
        access_token_claims(),  # client_id matches, no aud: API Gateway lets it through; the handlers refuse it
        id_token_claims(token_use=None),
        id_token_claims(token_use="anything"),
        id_token_claims(aud=["another-api", APP_CLIENT]),
        id_token_claims(iat=None),
    ],
    ids=["access_token", "no_token_use", "other_token_use", "aud_list", "no_iat"],
)
def test_the_gateway_does_not_check_what_api_gateway_does_not(authorizer, pool_key, claims):
    assert authorizer.claims("Bearer " + token(claims, pool_key)) == claims


@pytest.mark.parametrize(
    "claims",
    [
        id_token_claims(iss="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other"),
        id_token_claims(iss=None),
        id_token_claims(aud="another-app-client"),
        id_token_claims(aud="another-app-client", client_id=APP_CLIENT),  # with both, aud is the one evaluated
        id_token_claims(aud=None),
        access_token_claims(client_id="another-app-client"),
        id_token_claims(exp=int(time.time()) - 1),
        id_token_claims(exp=None),
        id_token_claims(nbf=int(time.time()) + 86400),  # a day ahead: still ahead when a loaded suite gets here
        id_token_claims(iat=int(time.time()) + 86400),
    ],
    ids=[
        "other_issuer",
        "no_issuer",
        "other_aud",
        "aud_wins_over_client_id",
        "no_aud_no_client_id",
        "other_client_id",
        "expired",
        "no_exp",
        "not_before_later",
        "issued_later",
    ],
)
def test_the_gateway_refuses_what_api_gateway_refuses(authorizer, pool_key, claims):
    assert authorizer.claims("Bearer " + token(claims, pool_key)) is None


def test_signature_key_and_algorithm(authorizer, pool_key):
    claims = id_token_claims()
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert authorizer.claims("Bearer " + token(claims, other_key)) is None
    assert authorizer.claims("Bearer " + token(claims, pool_key, kid="unknown")) is None
    assert authorizer.claims("Bearer " + token(claims, pool_key, algorithm="RS512")) == claims  # RSA-based
    assert (
        authorizer.claims("Bearer " + token(claims, "a-shared-secret-of-at-least-32-bytes", algorithm="HS256")) is None
    )
    assert authorizer.claims(None) is None and authorizer.claims("Bearer ") is None
    assert authorizer.claims("Bearer not.a.jwt") is None
