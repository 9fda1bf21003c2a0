"""The whole system on this machine (`make local`):

  DynamoDB Local (AWS's own, infra.dynamodb_local)            <- tables created from template.yaml
  moto server (SQS, SES, Secrets Manager, SSM, Cognito)       <- the other resources, from template.yaml
  localstripe in-process (infra.fake_stripe)                  -> webhooks to the local gateway
  local API gateway (infra.gateway)                           -> the functions' handlers, in-process
  SQS pollers (infra.sqs_poller)                              -> the queue-triggered functions
  schedules (infra.scheduler), a test clock (infra.stack_clock) -> POST /_local/schedules/<fn>, /_local/clock

Everything binds 127.0.0.1 but DynamoDB Local, which has no such option (infra/dynamodb_local.py).
When ready it writes .local/stack.json (or --stack-file / LOCAL_STACK_FILE) and prints a banner; Ctrl-C or
SIGTERM stops everything and removes that file. Options: --port (or LOCAL_API_PORT, default 3000),
--portal-port (or LOCAL_PORTAL_PORT, default 5173) for the reference portal (infra.portal_server), --workers N
(or LOCAL_WORKERS) to run the handlers in N processes like N warm Lambda instances (infra.gateway_workers),
--dynamodb-endpoint-url URL (or LOCAL_DYNAMODB_ENDPOINT_URL) to use a DynamoDB Local already running (the test
suite's) instead of starting one: the stack's tables are then named `stack<pid>-<logical id>` in the database of
the stack's access key (`local`), so stacks sharing it never meet, and are deleted when it stops.
DYNAMODB=moto (a machine without Java) serves DynamoDB from the moto server instead (infra/dynamodb_choice.py).
"""

import argparse
import json
import logging
import os
import signal
import sys
import time
from pathlib import Path

from infra import dynamodb_choice, template

ROOT = Path(__file__).resolve().parent.parent
REGION = "us-east-1"
STRIPE_API_KEY = "sk_test_local_portal"
STRIPE_PUBLISHABLE_KEY = "pk_test_local_portal"
WEBHOOK_SECRET = "whsec_local_portal"
ACH_WEBHOOK_SECRET = "ach_webhook_secret_local_portal"
ADMIN_LOGIN = "owner@merchant.test"


class StartupError(Exception):
    def __init__(self, component: str, reason: str):
        super().__init__(f"{component} failed to start: {reason}")


class _Stop(Exception):
    """Raised in the main thread by SIGINT/SIGTERM, so shutdown runs the same path as a failed start."""


def _raise_stop(signum, frame):
    raise _Stop(signal.Signals(signum).name)


def _base_environment(overrides: dict) -> None:
    os.environ.update(
        {
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "POWERTOOLS_TRACE_DISABLED": "1",
            **overrides,
        }
    )
    os.environ.pop("AWS_PROFILE", None)  # a developer's profile must not leak into the local stack


def _quiet_logs() -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request lines
    logging.getLogger("aiohttp").setLevel(logging.WARNING)


def _parameter_defaults() -> dict:
    return {name: p.get("Default", "") for name, p in template.load().get("Parameters", {}).items()}


def create_resources(moto_url: str, ach_api_base: str, portal_url: str | None = None, table_prefix: str = "") -> dict:
    """Everything the functions need, from template.yaml; returns the resolved Globals environment and ids."""
    import boto3

    # A support phone for the demo (the template's default is none), so the portal shows both contacts.
    params = _parameter_defaults() | {"AchApiBase": ach_api_base, "SupportPhone": "+1 555 0100"}
    if os.environ.get(
        "LOCAL_CARD_FEE_BASIS_POINTS"
    ):  # a card fee to try (docs/several-invoices-and-card-fees.md); none by default
        params["CardFeeBasisPoints"] = os.environ["LOCAL_CARD_FEE_BASIS_POINTS"]
    if portal_url:  # CORS and the links in emails follow where the portal is served
        params |= {"PortalOrigin": portal_url, "PortalBaseUrl": portal_url}
    refs: dict[str, str] = dict(params)

    tables = {logical_id: table_prefix + logical_id for logical_id in template.resources("AWS::DynamoDB::Table")}
    template.create_tables(boto3.client("dynamodb"), tables)
    refs.update(tables)

    # Queues: dead-letter targets first, then the queues that redrive to them (attributes from the template).
    sqs = boto3.client("sqs")
    queues = template.resources("AWS::SQS::Queue")
    arns = {}
    for logical_id, q in sorted(queues.items(), key=lambda kv: "RedrivePolicy" in kv[1]["Properties"]):
        props = q["Properties"]
        attrs = {
            k: str(props[k]) for k in ("VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds") if k in props
        }
        if "RedrivePolicy" in props:
            target = props["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
            attrs["RedrivePolicy"] = json.dumps(
                {"deadLetterTargetArn": arns[target], "maxReceiveCount": str(props["RedrivePolicy"]["maxReceiveCount"])}
            )
        url = sqs.create_queue(QueueName=logical_id, Attributes=attrs)["QueueUrl"]
        arns[logical_id] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        refs[logical_id] = url

    secret = boto3.client("secretsmanager").create_secret(
        Name="StripeSecret", SecretString=json.dumps({"api_key": STRIPE_API_KEY, "webhook_secret": WEBHOOK_SECRET})
    )
    refs["StripeSecret"] = secret["ARN"]
    from infra.ach_sandbox import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET

    ach_secret = boto3.client("secretsmanager").create_secret(
        Name="AchSecret",
        SecretString=json.dumps(
            {
                "client_id": DEFAULT_CLIENT_ID,
                "client_secret": DEFAULT_CLIENT_SECRET,
                "webhook_secret": ACH_WEBHOOK_SECRET,
            }
        ),
    )
    refs["AchSecret"] = ach_secret["ARN"]
    boto3.client("ses").verify_email_identity(EmailAddress=params["SenderEmail"])
    # SSM parameters (the card fee's switch), named after the logical id, with the template's value.
    for logical_id, parameter in template.resources("AWS::SSM::Parameter").items():
        boto3.client("ssm").put_parameter(
            Name=f"/local/{logical_id}", Type=parameter["Properties"]["Type"], Value=parameter["Properties"]["Value"]
        )
        refs[logical_id] = f"/local/{logical_id}"

    # Cognito: the pool and app client with the template's own settings (custom:client_id, password policy,
    # USER_PASSWORD_AUTH), so tokens carry the same claims as in the deployed system.
    cognito = boto3.client("cognito-idp")
    pool_props = template.resources("AWS::Cognito::UserPool")["UserPool"]["Properties"]
    pool_id = cognito.create_user_pool(
        PoolName="portal-local-clients",
        **{
            k: pool_props[k]
            for k in ("UsernameAttributes", "AutoVerifiedAttributes", "AdminCreateUserConfig", "Schema", "Policies")
            if k in pool_props
        },
    )["UserPool"]["Id"]
    client_props = template.resources("AWS::Cognito::UserPoolClient")["UserPoolClient"]["Properties"]
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        **{
            k: client_props[k]
            for k in (
                "ClientName",
                "GenerateSecret",
                "ExplicitAuthFlows",
                "PreventUserExistenceErrors",
                "ReadAttributes",
                "WriteAttributes",
            )
            if k in client_props
        },
    )["UserPoolClient"]["ClientId"]

    env = {}
    for name, value in template.load()["Globals"]["Function"]["Environment"]["Variables"].items():
        env[name] = str(refs[value["Ref"]]) if isinstance(value, dict) else str(value)
    cors = template.resources("AWS::Serverless::HttpApi")["PortalApi"]["Properties"].get("CorsConfiguration", {})
    cors = {
        k: [refs[o["Ref"]] if isinstance(o, dict) else o for o in v] if isinstance(v, list) else v
        for k, v in cors.items()
    }
    return {"env": env, "queues": refs, "user_pool_id": pool_id, "user_pool_client_id": client_id, "cors": cors}


class SharedDynamoDB:
    """A DynamoDB Local this stack did not start (--dynamodb-endpoint-url): waited for, never stopped."""

    def __init__(self, url: str):
        self.url = url

    def wait_ready(self) -> None:
        from infra.dynamodb_local import DynamoDBLocalError, wait_for

        try:
            wait_for(self.url)
        except DynamoDBLocalError as exc:
            raise StartupError("DynamoDB Local", str(exc)) from None


def _delete_tables(prefix: str) -> None:
    import boto3

    dynamodb = boto3.client("dynamodb")
    for logical_id in template.resources("AWS::DynamoDB::Table"):
        try:
            dynamodb.delete_table(TableName=prefix + logical_id)
        except dynamodb.exceptions.ResourceNotFoundException:
            pass  # never created: the stack failed before


def create_users(pool_id: str, users: list[dict]) -> None:
    import boto3

    cognito = boto3.client("cognito-idp")
    for u in users:
        cognito.admin_create_user(
            UserPoolId=pool_id,
            Username=u["email"],
            MessageAction="SUPPRESS",
            UserAttributes=[
                {"Name": "email", "Value": u["email"]},
                {"Name": "email_verified", "Value": "true"},
                {"Name": "custom:client_id", "Value": u["client_id"]},
            ],
        )
        cognito.admin_set_user_password(UserPoolId=pool_id, Username=u["email"], Password=u["password"], Permanent=True)


def create_admin(pool_id: str, email: str, password: str) -> None:
    """The merchant's back-office user: in the template's admin group, with no client of its own."""
    import boto3

    cognito = boto3.client("cognito-idp")
    group = template.resources("AWS::Cognito::UserPoolGroup")["AdminGroup"]["Properties"]["GroupName"]
    group_name = _parameter_defaults()[group["Ref"]] if isinstance(group, dict) else group
    cognito.create_group(UserPoolId=pool_id, GroupName=group_name)
    cognito.admin_create_user(
        UserPoolId=pool_id,
        Username=email,
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
    )
    cognito.admin_set_user_password(UserPoolId=pool_id, Username=email, Password=password, Permanent=True)
    cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=email, GroupName=group_name)


def write_stack_file(path: Path, info: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(info, indent=2) + "\n")
    tmp.replace(path)  # atomic: a reader never sees half a file


def banner(info: dict, stack_file: Path, seconds: float) -> str:
    user = info["demo_users"][0]
    lines = [
        f"Local stack ready in {seconds:.1f}s  (stack file: {stack_file})",
        f"  Portal         {info['portal_url']}   (sign in with a demo login below)",
        f"  API            {info['api_url']}   (OpenAPI: {info['api_url']}/docs)",
        f"  DynamoDB Local {info['dynamodb_endpoint_url']}",
        f"  AWS (moto)     {info['aws_endpoint_url']}",
        f"  Stripe (local) {info['stripe_api_base']}",
        "  Demo logins:",
    ]
    lines += [f"    {u['email']} / {u['password']}  ({u['client_id']})" for u in info["demo_users"]]
    lines += [
        f"    {ADMIN_LOGIN} / {info['demo_users'][0]['password']}  (merchant admin: /admin routes)",
        f"  Emails sent (receipts, notices, invitations, password-reset codes): {info['api_url']}/_local/emails",
        "    or: .venv/bin/python -m infra.demo emails",
        f"  Run the daily due-date job now: curl -X POST {info['api_url']}/_local/schedules/DueDateJobFunction",
        f"  Move the stack's clock (forward only): curl -X POST {info['api_url']}/_local/clock "
        '-d \'{"now": "2027-01-15T09:00:00-05:00"}\'   (DELETE: real time again)',
    ]
    lines += [
        "  Pay an invoice end to end:",
        f"    .venv/bin/python -m infra.demo pay --email {user['email']}",
        "  Or by hand:",
        f"    TOKEN=$(.venv/bin/python -m infra.demo token --email {user['email']})",
        f'    curl -s -H "Authorization: Bearer $TOKEN" {info["api_url"]}/invoices',
        f"    curl -s -X POST -H \"Authorization: Bearer $TOKEN\" -H 'Idempotency-Key: demo-1' "
        f'-d \'{{"method": "card"}}\' {info["api_url"]}/invoices/{user["client_id"]}-full/payments',
        "  Ctrl-C stops everything.",
    ]
    return "\n".join(lines)


def run(port: int, stack_file: Path, portal_port: int = 5173, workers: int = 0, dynamodb_url: str | None = None) -> int:
    started_at = time.monotonic()
    signal.signal(signal.SIGINT, _raise_stop)
    signal.signal(signal.SIGTERM, _raise_stop)
    _quiet_logs()
    stoppers: list[tuple[str, object]] = []  # (name, stop callable), stopped in reverse order
    component = "DynamoDB Local"
    try:
        from infra.dynamodb_local import DynamoDBLocal, DynamoDBLocalError

        table_prefix = f"stack{os.getpid()}-" if dynamodb_url else ""
        if dynamodb_url:
            dynamodb = SharedDynamoDB(dynamodb_url)
        elif dynamodb_choice.on_moto():
            dynamodb = None  # the moto server's, below (DYNAMODB=moto: a machine without Java)
        else:
            try:  # first: its JVM starts (about 1.5 CPU-seconds) while everything below does
                dynamodb = DynamoDBLocal().start(wait=False)
            except DynamoDBLocalError as exc:
                raise StartupError(component, str(exc)) from None
            stoppers.append(("DynamoDB Local", dynamodb.stop))

        component = "API gateway"
        from infra.gateway import Gateway, JwtAuthorizer

        try:
            gateway = Gateway(port, template.http_routes(), None)
        except OSError as exc:
            raise StartupError(
                component,
                f"port {port} on 127.0.0.1 is already in use or not available "
                f"({exc.strerror}); pass --port or set LOCAL_API_PORT",
            ) from None
        stoppers.append(("API gateway", gateway.stop))

        component = "portal"
        from infra.portal_server import PortalServer

        try:
            portal = PortalServer(portal_port)
        except OSError as exc:
            raise StartupError(
                component,
                f"port {portal_port} on 127.0.0.1 is already in use or not available "
                f"({exc.strerror}); pass --portal-port or set LOCAL_PORTAL_PORT",
            ) from None
        stoppers.append(("portal", portal.stop))

        component = "moto server"
        from infra.moto_server import MotoServer

        moto = MotoServer(serve_dynamodb=dynamodb is None).start()
        stoppers.append(("moto server", moto.stop))
        moto_url = moto.url
        dynamodb = dynamodb or SharedDynamoDB(moto_url)

        component = "localstripe"
        from infra.fake_stripe import FakeStripe

        stripe_server = FakeStripe().start()
        stoppers.append(("localstripe", stripe_server.stop))
        _base_environment(
            {
                "AWS_ENDPOINT_URL": moto_url,
                "AWS_ENDPOINT_URL_DYNAMODB": dynamodb.url,
                "STRIPE_API_BASE": stripe_server.url,
            }
        )
        from infra.stack_clock import StackClock

        # This stack's test clock (POST /_local/clock): set before anything starts that reads the time.
        gateway.clock = StackClock(stack_file.with_name(f"{stack_file.stem}.clock.json"))
        stoppers.append(("test clock", gateway.clock.reset))

        component = "ACH sandbox"
        from infra.ach_sandbox import AchSandbox

        ach = AchSandbox(port=0, settle_seconds=float(os.environ.get("ACH_SETTLE_SECONDS", 10))).start()
        stoppers.append(("ACH sandbox", ach.stop))

        component = "DynamoDB Local"
        try:
            dynamodb.wait_ready()
        except DynamoDBLocalError as exc:
            raise StartupError(component, str(exc)) from None

        component = "AWS resources"
        if dynamodb_url:  # deleted whatever else fails: the shared DynamoDB outlives this stack
            stoppers.append(("the stack's tables", lambda: _delete_tables(table_prefix)))
        resources = create_resources(moto_url, ach.url, portal.url, table_prefix)
        os.environ.update(resources["env"])  # before any function or shared.aws.models import
        os.environ.update(
            {
                "USER_POOL_ID": resources["user_pool_id"],  # PortalSettingsFunction's own variables
                "USER_POOL_CLIENT_ID": resources["user_pool_client_id"],
                "STRIPE_PUBLISHABLE_KEY": STRIPE_PUBLISHABLE_KEY,
                "PASSWORD_POLICY": template.resources("AWS::Serverless::Function")["PortalSettingsFunction"][
                    "Properties"
                ]["Environment"]["Variables"]["PASSWORD_POLICY"],
            }
        )

        component = "demo data"
        from infra import demo_data

        users = demo_data.seed()
        create_users(resources["user_pool_id"], users)
        create_admin(resources["user_pool_id"], ADMIN_LOGIN, demo_data.PASSWORD)

        component = "Stripe webhook registration"
        import requests

        requests.post(
            f"{stripe_server.url}/_config/webhooks/portal",
            timeout=10,
            data={"url": f"{gateway.url}/webhooks/stripe", "secret": WEBHOOK_SECRET},
        ).raise_for_status()

        component = "ACH webhook subscription"
        _subscribe_ach_webhook(ach.url, f"{gateway.url}/webhooks/ach")

        component = "functions"
        gateway.load_routes()
        gateway.authorizer = JwtAuthorizer(
            f"{moto_url}/{resources['user_pool_id']}/.well-known/jwks.json",
            issuer=f"https://cognito-idp.{REGION}.amazonaws.com/{resources['user_pool_id']}",  # what moto issues
            audience=[resources["user_pool_client_id"]],
        )
        gateway.cors = resources["cors"]
        from infra import local_emails

        gateway.emails = local_emails.sent
        if workers:  # after the environment is complete: the workers inherit it
            from infra.gateway_workers import WorkerPool

            gateway.workers = WorkerPool(workers, sorted({route["module"] for route in template.http_routes()}))
            stoppers.append(("gateway workers", gateway.workers.stop))

        component = "OpenAPI document"
        gateway.openapi = _openapi(gateway.url)

        component = "SQS pollers"
        import importlib

        from infra.sqs_poller import SqsPoller

        for source in template.sqs_event_sources():
            module = importlib.import_module(source["module"])
            poller = SqsPoller(
                resources["queues"][source["queue"]],
                module.handler,
                function=source["function"],
                batch_size=source["batch_size"],
                invoke_lock=gateway.invoke_lock,
            ).start()
            stoppers.append((f"SQS poller {source['function']}", poller.stop))
        component = "schedules"
        from infra.scheduler import Scheduler

        scheduler = Scheduler(template.schedule_event_sources(), gateway.invoke_lock)
        gateway.schedules = scheduler.jobs
        gateway.start()
        portal.start(gateway.url, identity_url=moto_url, stripe_url=stripe_server.url)
        scheduler.start()
        stoppers.append(("scheduler", scheduler.stop))

        info = {
            "api_url": gateway.url,
            "aws_endpoint_url": moto_url,
            "dynamodb_endpoint_url": dynamodb.url,
            "region": REGION,
            "stripe_api_base": stripe_server.url,
            "stripe_publishable_key": STRIPE_PUBLISHABLE_KEY,
            "ach_api_base": ach.url,
            "user_pool_id": resources["user_pool_id"],
            "user_pool_client_id": resources["user_pool_client_id"],
            "demo_users": users,
            # The merchant's staff login (the admin group): `python -m infra.demo token --email` signs it in too.
            "admin_users": [{"email": ADMIN_LOGIN, "password": demo_data.PASSWORD}],
            "portal_url": portal.url,
            # Logical id -> local name/URL/ARN, as CloudFormation's physical ids: the ops commands' --stack-file.
            "resources": resources["queues"]
            | {"UserPool": resources["user_pool_id"], "UserPoolClient": resources["user_pool_client_id"]},
        }
        write_stack_file(stack_file, info)
        stoppers.append(("stack file", lambda: stack_file.unlink(missing_ok=True)))
        print(banner(info, stack_file, time.monotonic() - started_at), flush=True)
        component = None
        while True:
            # Short sleeps: the kernel may hand SIGTERM to another thread, and Python runs its handler only when
            # the main thread runs again (a 3600 s sleep once left a stopping stack waiting past 15 s).
            time.sleep(0.5)
    except _Stop as stop:
        code = 0
        print(f"\nlocal stack: {stop.args[0]} received, stopping", flush=True)
    except StartupError as exc:
        code = 1
        print(f"local stack: {exc}", file=sys.stderr, flush=True)
    except Exception as exc:  # noqa: BLE001 - any failure: reported, then everything started is stopped
        code = 1
        print(f"local stack: {component or 'stack'} failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
    for sig in (signal.SIGINT, signal.SIGTERM):  # a second Ctrl-C must not interrupt the clean-up
        signal.signal(sig, signal.SIG_IGN)
    for name, stop in reversed(stoppers):
        try:
            stop()
        except Exception as exc:  # noqa: BLE001 - one component failing to stop must not keep the others up
            print(f"local stack: stopping {name} failed: {exc}", file=sys.stderr, flush=True)
    if code:
        print("local stack: stopped everything that had started", file=sys.stderr, flush=True)
    return code


def _subscribe_ach_webhook(ach_url: str, webhook_url: str) -> None:
    """As a merchant does once in Dwolla's dashboard or API: POST /webhook-subscriptions {url, secret}."""
    import requests

    from infra.ach_sandbox import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET

    token = requests.post(
        f"{ach_url}/token",
        data={"grant_type": "client_credentials"},
        timeout=10,
        auth=(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
    ).json()["access_token"]
    hal = "application/vnd.dwolla.v1.hal+json"
    requests.post(
        f"{ach_url}/webhook-subscriptions",
        json={"url": webhook_url, "secret": ACH_WEBHOOK_SECRET},
        headers={"Authorization": f"Bearer {token}", "Accept": hal, "Content-Type": hal},
        timeout=10,
    ).raise_for_status()


def _openapi(server_url: str) -> dict | None:
    """Generated from the handlers (needs pydantic, a dev dependency); falls back to the committed file."""
    try:
        from infra import openapi

        return openapi.build(server_url)
    except ImportError as exc:
        committed = ROOT / "docs" / "openapi.json"
        print(f"local stack: serving the committed {committed.name} ({exc})", flush=True)
        return json.loads(committed.read_text()) if committed.exists() else None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the whole portal payments system locally.")
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("LOCAL_API_PORT", 3000)),
        help="API gateway port (default 3000, or LOCAL_API_PORT)",
    )
    parser.add_argument(
        "--stack-file",
        type=Path,
        default=Path(os.environ.get("LOCAL_STACK_FILE", ROOT / ".local" / "stack.json")),
        help="where to write the stack description (default .local/stack.json)",
    )
    parser.add_argument(
        "--portal-port",
        type=int,
        default=int(os.environ.get("LOCAL_PORTAL_PORT", 5173)),
        help="reference portal port (default 5173, or LOCAL_PORTAL_PORT)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("LOCAL_WORKERS", 0)),
        help="run the API's handlers in N processes, like N warm Lambda instances each "
        "(default 0: in the gateway's process, one invocation at a time; or LOCAL_WORKERS)",
    )
    parser.add_argument(
        "--dynamodb-endpoint-url",
        default=os.environ.get("LOCAL_DYNAMODB_ENDPOINT_URL") or None,
        help="a DynamoDB Local already running, shared with others (the tests'); the stack's tables "
        "get names of their own there (default: start one; or LOCAL_DYNAMODB_ENDPOINT_URL)",
    )
    args = parser.parse_args(argv)
    try:
        dynamodb_choice.chosen()
    except dynamodb_choice.DynamoDBChoiceError as exc:
        parser.error(str(exc))
    sys.exit(run(args.port, args.stack_file, args.portal_port, args.workers, args.dynamodb_endpoint_url))


if __name__ == "__main__":
    main()
