"""--stack NAME: the commands find a deployed stack's resources through CloudFormation (moto's here) and set the
functions' variables from them, as the template's Globals do."""

import argparse
import json
import os

import boto3
import pytest

from ops import stack


def test_a_deployed_stack_resolves_to_its_physical_ids_and_the_functions_variables(aws, monkeypatch):
    body = {
        "Resources": {
            "ReceiptQueue": {"Type": "AWS::SQS::Queue"},
            "ReceiptDeadLetterQueue": {"Type": "AWS::SQS::Queue"},
        },
        "Parameters": {"MerchantName": {"Type": "String"}},
    }
    boto3.client("cloudformation").create_stack(
        StackName="portal-prod",
        TemplateBody=json.dumps(body),
        Parameters=[{"ParameterKey": "MerchantName", "ParameterValue": "Acme"}],
    )
    monkeypatch.setenv("RECEIPT_QUEUE_URL", "unchanged?")
    monkeypatch.setenv("MERCHANT_NAME", "unchanged?")
    resources = stack.resolve(argparse.Namespace(stack="portal-prod", stack_file=None))
    names = {url.rsplit("/", 1)[1] for url in boto3.client("sqs").list_queues()["QueueUrls"]}
    assert {resources["ReceiptQueue"].rsplit("/", 1)[1], resources["ReceiptDeadLetterQueue"].rsplit("/", 1)[1]} <= names
    assert os.environ["RECEIPT_QUEUE_URL"] == resources["ReceiptQueue"]
    assert os.environ["MERCHANT_NAME"] == "Acme"


def test_neither_a_stack_nor_a_stack_file_leaves_the_environment_as_it_is(monkeypatch):
    monkeypatch.setenv("RECEIPT_QUEUE_URL", "https://queue.example/one")
    assert stack.resolve(argparse.Namespace(stack=None, stack_file=None)) == {}
    assert os.environ["RECEIPT_QUEUE_URL"] == "https://queue.example/one"


def test_a_stack_and_a_stack_file_together_are_refused(tmp_path):
    parser = argparse.ArgumentParser()
    stack.add_arguments(parser)
    with pytest.raises(SystemExit):
        parser.parse_args(["--stack", "s", "--stack-file", str(tmp_path / "stack.json")])
