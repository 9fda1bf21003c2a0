"""Read template.yaml: the one source of tables, environment variables and routes for tests and the local
stack, so code and template cannot drift."""

from functools import cache
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"


# libyaml's parser where PyYAML has it (its wheels do): 60 ms for this template instead of 540 ms in pure Python,
# paid by every test worker, local stack and gateway process that reads it.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _CfnLoader(_SafeLoader):
    pass


def _intrinsic(loader, suffix, node):
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CfnLoader.add_multi_constructor("!", _intrinsic)


@cache
def load() -> dict:
    return yaml.load(TEMPLATE.read_text(), Loader=_CfnLoader)


def resources(kind: str) -> dict[str, dict]:
    return {name: r for name, r in load()["Resources"].items() if r["Type"] == kind}


def table_env_vars() -> dict[str, str]:
    """{"InvoicesTable": "INVOICES_TABLE", ...} from the functions' global environment."""
    variables = load()["Globals"]["Function"]["Environment"]["Variables"]
    tables = resources("AWS::DynamoDB::Table")
    return {v["Ref"]: k for k, v in variables.items() if isinstance(v, dict) and v.get("Ref") in tables}


def create_table_requests(names: dict[str, str]) -> list[dict]:
    """boto3 create_table kwargs for every table in the template; `names` maps logical id -> table name."""
    requests = []
    for logical_id, resource in resources("AWS::DynamoDB::Table").items():
        props = resource["Properties"]
        request = {
            "TableName": names[logical_id],
            "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
        }
        for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            if key in props:
                request[key] = props[key]
        requests.append(request)
    return requests


def ttl_settings(names: dict[str, str]) -> list[tuple[str, str]]:
    return [
        (names[logical_id], r["Properties"]["TimeToLiveSpecification"]["AttributeName"])
        for logical_id, r in resources("AWS::DynamoDB::Table").items()
        if r["Properties"].get("TimeToLiveSpecification", {}).get("Enabled")
    ]


def create_tables(dynamodb, names: dict[str, str]) -> None:
    for request in create_table_requests(names):
        dynamodb.create_table(**request)
    for table, attribute in ttl_settings(names):
        dynamodb.update_time_to_live(
            TableName=table, TimeToLiveSpecification={"Enabled": True, "AttributeName": attribute}
        )


def http_routes() -> list[dict]:
    """Every HttpApi route: method, path, the function's module and whether the JWT authorizer applies."""
    routes = []
    for logical_id, fn in resources("AWS::Serverless::Function").items():
        props = fn["Properties"]
        for event in (props.get("Events") or {}).values():
            if event["Type"] != "HttpApi":
                continue
            ev = event["Properties"]
            auth = (ev.get("Auth") or {}).get("Authorizer", "default") != "NONE"
            module = "functions." + Path(props["CodeUri"]).name + "." + props["Handler"].rsplit(".", 1)[0]
            routes.append(
                {
                    "method": ev["Method"],
                    "path": ev["Path"],
                    "function": logical_id,
                    "module": module,
                    "handler": props["Handler"].rsplit(".", 1)[1],
                    "auth": auth,
                }
            )
    return routes


def schedule_event_sources() -> list[dict]:
    """Schedule-triggered functions: the function, its module and its schedule expression."""
    sources = []
    for logical_id, fn in resources("AWS::Serverless::Function").items():
        props = fn["Properties"]
        for event in (props.get("Events") or {}).values():
            if event["Type"] in ("Schedule", "ScheduleV2"):
                sources.append(
                    {
                        "function": logical_id,
                        "expression": event["Properties"]["ScheduleExpression"],
                        "module": "functions." + Path(props["CodeUri"]).name + "." + props["Handler"].rsplit(".", 1)[0],
                    }
                )
    return sources


def sqs_event_sources() -> list[dict]:
    """SQS-triggered functions: queue logical id, the function's module, batch size."""
    sources = []
    for logical_id, fn in resources("AWS::Serverless::Function").items():
        props = fn["Properties"]
        for event in (props.get("Events") or {}).values():
            if event["Type"] == "SQS":
                sources.append(
                    {
                        "function": logical_id,
                        "queue": event["Properties"]["Queue"]["Fn::GetAtt"][0],
                        "module": "functions." + Path(props["CodeUri"]).name + "." + props["Handler"].rsplit(".", 1)[0],
                        "batch_size": event["Properties"].get("BatchSize", 10),
                    }
                )
    return sources
