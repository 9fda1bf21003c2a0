"""The operator commands as an operator runs them, against the local stack (`make local`): the smoke check of the
API, and the other commands in their own process through --stack-file, the way they reach a deployed stack."""

import csv
import io
import subprocess
import sys

import boto3
import pytest

from ops import smoke
from tests.e2e.test_local_stack import ROOT, free_port, launch

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    launched = launch(tmp_path_factory.mktemp("ops-stack"))
    yield launched
    launched["proc"].kill()
    launched["proc"].wait(10)


def _command(local, module, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", f"ops.{module}", "--stack-file", str(local["file"]), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_smoke_passes_against_a_running_api_and_pays_nothing(local):
    before = _command(local, "export_payments", "--client", "client-acme").stdout
    out = io.StringIO()
    results = smoke.run(local["stack"]["api_url"], out=out)
    assert [c.name for c in results if not c.ok] == [], out.getvalue()
    assert "5/5 checks passed" in out.getvalue()
    assert _command(local, "export_payments", "--client", "client-acme").stdout == before


def test_smoke_fails_and_says_why_when_nothing_answers():
    port = free_port()
    done = subprocess.run(
        [sys.executable, "-m", "ops.smoke", "--api-url", f"http://127.0.0.1:{port}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "FAIL portal settings" in done.stdout and "no answer" in done.stdout and "0/5 checks passed" in done.stdout


def test_export_and_create_client_reach_the_local_stack_through_its_stack_file(local):
    done = _command(local, "export_payments", "--client", "client-acme")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert rows and all(r["amount"].count(".") == 1 for r in rows)  # the demo client's paid invoices

    done = _command(local, "create_client", "--client", "client-ops", "--name", "Olga Ops", "--email", "olga@ops.test")
    assert done.returncode == 0, done.stderr
    assert "client client-ops: created; portal login olga@ops.test: invited" in done.stdout
    stack = local["stack"]
    cognito = boto3.client(
        "cognito-idp",
        endpoint_url=stack["aws_endpoint_url"],
        region_name=stack["region"],
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    user = cognito.admin_get_user(UserPoolId=stack["user_pool_id"], Username="olga@ops.test")
    assert {"Name": "custom:client_id", "Value": "client-ops"} in user["UserAttributes"]


def test_replay_dry_run_reads_the_local_dead_letter_queue(local):
    done = _command(local, "replay_dlq", "--queue", "receipts")
    assert done.returncode == 0, done.stderr
    assert "0 message(s) would be sent back (dry run" in done.stdout


def test_the_card_fee_switch_is_reached_through_the_stack_file(local):
    done = _command(local, "card_fee", "status")
    assert done.returncode == 0, done.stderr
    assert "rate 0 basis points (CardFeeBasisPoints), switch on: a card fee now is none" in done.stdout
