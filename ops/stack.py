"""Where an operator command acts, resolved to the same settings the functions get: table names, queue URLs and
secret ARNs in the functions' environment variables (template.yaml Globals), plus the endpoints of the local stack
(DynamoDB Local's for DynamoDB, moto's for the rest).

Must run before anything imports shared.aws.models: the models read their table names at import."""

import argparse
import json
import os
from pathlib import Path

from infra import template


def add_arguments(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--stack",
        help="a deployed CloudFormation stack's name (AWS credentials from the usual "
        "places: AWS_PROFILE, environment, SSO)",
    )
    where.add_argument("--stack-file", type=Path, help="the local stack's file (make local writes .local/stack.json)")


def resolve(args: argparse.Namespace) -> dict[str, str]:
    """{logical id: physical id} of the stack's resources (queue URLs, table names, secret ARNs, the user pool id) and
    its parameters; the functions' variables are set from them. Without --stack or --stack-file: the environment
    as is."""
    if args.stack:
        resources = _cloudformation(args.stack)
    elif args.stack_file:
        info = json.loads(args.stack_file.read_text())
        os.environ.update(
            {
                "AWS_ENDPOINT_URL": info["aws_endpoint_url"],
                "AWS_ENDPOINT_URL_DYNAMODB": info["dynamodb_endpoint_url"],
                "AWS_REGION": info["region"],
                "AWS_DEFAULT_REGION": info["region"],
            }
        )
        # The local stack's own credentials: moto accepts any, and a DynamoDB Local shared with other stacks (the
        # tests') keeps a database per access key.
        os.environ.update({"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"})
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
            os.environ.pop(name, None)
        resources = info["resources"]
    else:
        return {}
    for name, value in template.load()["Globals"]["Function"]["Environment"]["Variables"].items():
        if isinstance(value, dict) and value.get("Ref") in resources:
            os.environ[name] = str(resources[value["Ref"]])
    return resources


def _cloudformation(stack: str) -> dict[str, str]:
    import boto3

    cloudformation = boto3.client("cloudformation")
    resources = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for page in cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack)
        for r in page["StackResourceSummaries"]
        if "PhysicalResourceId" in r
    }
    [described] = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    parameters = {
        p["ParameterKey"]: p.get("ResolvedValue", p.get("ParameterValue", "")) for p in described.get("Parameters", [])
    }
    return parameters | resources


def required(resources: dict[str, str], logical_id: str, given: str | None, what: str) -> str:
    """A resource named on the command line, else the stack's; a clear error when neither says."""
    value = given or resources.get(logical_id)
    if not value:
        raise SystemExit(f"error: which {what}? pass --stack, --stack-file or the {what} itself")
    return value
