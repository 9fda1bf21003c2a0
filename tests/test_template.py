"""The template is the deployed system: it must lint, and its tables must be what the models expect."""

import json
import re
import subprocess
import sys
from pathlib import Path

import yaml

from infra import template
from shared.aws.models import Client, Invoice, Payment, ProblemReport, ProcessedEvent, Refund, SavedPaymentMethod
from shared.aws.secrets import ACH_FIELDS, STRIPE_FIELDS, is_configured

ROOT = Path(__file__).resolve().parent.parent


def test_cfn_lint_passes():
    result = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), str(ROOT / "template.yaml")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_checkov_passes():
    """checkov pins libraries of its own, so it runs from its own environment (`make test` creates it); as a test it
    runs beside the others instead of before them all."""
    checkov = ROOT / ".venv-checkov" / "bin" / "checkov"
    assert checkov.exists(), "checkov's environment is missing: `make test` (or `make checkov`) creates it"
    result = subprocess.run(
        [str(checkov), "-f", "template.yaml", "--config-file", ".checkov.yaml"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _keys(schema):
    return {k["AttributeName"]: k["KeyType"] for k in schema}


def test_models_match_the_template_tables():
    tables = template.resources("AWS::DynamoDB::Table")
    env = template.table_env_vars()
    models = {
        "CLIENTS_TABLE": Client,
        "INVOICES_TABLE": Invoice,
        "PAYMENTS_TABLE": Payment,
        "EVENTS_TABLE": ProcessedEvent,
        "PAYMENT_METHODS_TABLE": SavedPaymentMethod,
        "REFUNDS_TABLE": Refund,
        "PROBLEM_REPORTS_TABLE": ProblemReport,
    }
    for logical_id, props in ((k, v["Properties"]) for k, v in tables.items()):
        model = models[env[logical_id]]
        schema = model._get_schema()
        assert _keys(props["KeySchema"]) == _keys(schema["key_schema"]), logical_id
        template_indexes = {
            i["IndexName"]: _keys(i["KeySchema"])
            for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes")
            for i in props.get(kind, [])
        }
        model_indexes = {
            i["index_name"]: _keys(i["key_schema"])
            for kind in ("global_secondary_indexes", "local_secondary_indexes")
            for i in schema.get(kind, [])
        }
        assert template_indexes == model_indexes, logical_id


def test_every_function_has_least_privilege_statements():
    for name, fn in template.resources("AWS::Serverless::Function").items():
        for policy in fn["Properties"]["Policies"]:
            for statement in policy["Statement"]:
                assert statement["Resource"] != "*" and "*" not in statement["Resource"], name
                assert not any(a.endswith(":*") for a in statement["Action"]), name


def test_webhook_routes_skip_the_authorizer_and_portal_routes_use_it():
    routes = {(r["method"], r["path"]): r["auth"] for r in template.http_routes()}
    assert routes.pop(("POST", "/webhooks/stripe")) is False
    assert routes.pop(("POST", "/webhooks/ach")) is False
    assert routes.pop(("GET", "/portal-settings")) is False  # read before sign-in
    assert routes and all(routes.values())


def test_no_secret_in_the_template_is_usable():
    """A fresh stack must not accept anything signed or authenticated with a value someone could know: every field
    the operator fills starts as a value the code refuses; the only usable one is generated at deploy time."""
    needed = {"StripeSecret": STRIPE_FIELDS, "AchSecret": ACH_FIELDS}
    secrets = template.resources("AWS::SecretsManager::Secret")
    assert set(secrets) == set(needed)
    for name, secret in secrets.items():
        props = secret["Properties"]
        assert "SecretString" not in props, name
        generate = props["GenerateSecretString"]
        literal = json.loads(generate["SecretStringTemplate"])
        assert [field for field, value in literal.items() if is_configured(value)] == [], name
        assert generate["GenerateStringKey"] not in literal and generate.get("PasswordLength", 32) >= 32, name
        assert set(needed[name]) <= set(literal) | {generate["GenerateStringKey"]}, name
    keys = re.compile(r"\b(?:[spr]k_(?:live|test)_|whsec_)[A-Za-z0-9]{8,}")
    assert keys.findall((ROOT / "template.yaml").read_text()) == []


def test_a_secret_not_configured_raises_an_alarm():
    """shared/http/web.py counts SecretNotConfigured under the functions' metric namespace and service."""
    env = template.load()["Globals"]["Function"]["Environment"]["Variables"]
    [alarm] = [
        a["Properties"]
        for a in template.resources("AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("MetricName") == "SecretNotConfigured"
    ]
    assert alarm["Namespace"] == env["POWERTOOLS_METRICS_NAMESPACE"]
    assert alarm["Dimensions"] == [{"Name": "service", "Value": env["POWERTOOLS_SERVICE_NAME"]}]
    assert (alarm["Statistic"], alarm["Threshold"], alarm["ComparisonOperator"]) == ("Sum", 0, "GreaterThanThreshold")
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_the_template_reads_the_same_with_libyaml_and_pure_python():
    """infra.template parses with libyaml's loader (nine times faster); PyYAML's pure-Python one must agree."""

    class PurePython(yaml.SafeLoader):
        pass

    PurePython.add_multi_constructor("!", template._intrinsic)
    assert template._CfnLoader.__mro__[1] is yaml.CSafeLoader
    assert yaml.load(template.TEMPLATE.read_text(), Loader=PurePython) == template.load()


def test_the_portal_shows_the_user_pools_own_password_rules():
    """GET /portal-settings serves PASSWORD_POLICY so the portal can show Cognito's rules before a new password
    is sent: it must be the pool's PasswordPolicy, or the portal would promise rules Cognito does not apply."""
    from shared.http.portal_settings import password_policy

    pool = template.resources("AWS::Cognito::UserPool")["UserPool"]["Properties"]["Policies"]["PasswordPolicy"]
    served = template.resources("AWS::Serverless::Function")["PortalSettingsFunction"]["Properties"]["Environment"][
        "Variables"
    ]["PASSWORD_POLICY"]
    assert json.loads(served) == pool
    assert password_policy({"PASSWORD_POLICY": served}) == {
        "minimum_length": pool["MinimumLength"],
        "require_lowercase": pool["RequireLowercase"],
        "require_uppercase": pool["RequireUppercase"],
        "require_numbers": pool["RequireNumbers"],
        "require_symbols": pool["RequireSymbols"],
    }
