"""The shared session's data loader (shared/aws/clients.py) loads what botocore's own Loader loads, without listing
every service directory on the way (15-25 ms of each function's cold start, bench/cold_start.py)."""

import json
import os

import botocore.loaders
import botocore.session
import pytest
from botocore.exceptions import UnknownServiceError

from shared.aws import clients as aws

SERVICES = ["dynamodb", "secretsmanager", "sqs", "ses"]  # every service the functions call


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("type_name", ["service-2", "endpoint-rule-set-1"])
def test_it_loads_the_same_model_as_botocore(service, type_name):
    ours, botocores = aws.ServiceDirectoryLoader(), botocore.loaders.Loader()
    assert ours.load_service_model(service, type_name) == botocores.load_service_model(service, type_name)
    version = botocores.determine_latest_version(service, type_name)
    assert ours.load_service_model(service, type_name, version) == botocores.load_service_model(
        service, type_name, version
    )


@pytest.mark.parametrize("name", ["dynamodbx", "DynamoDB", "../data/dynamodb", "dynamodb/2012-08-10", ""])
def test_a_service_botocore_does_not_list_is_refused_as_botocore_refuses_it(name):
    with pytest.raises(UnknownServiceError) as refused:
        aws.ServiceDirectoryLoader().load_service_model(name, "service-2")
    assert "dynamodb" in str(refused.value)  # botocore's message, naming the known services


def test_a_client_is_made_without_listing_other_services(monkeypatch):
    listed = []
    real = os.listdir
    monkeypatch.setattr(botocore.loaders.os, "listdir", lambda path: listed.append(path) or real(path))
    loader = aws.ServiceDirectoryLoader()
    loader.load_service_model("dynamodb", "service-2")
    loader.load_service_model("dynamodb", "endpoint-rule-set-1")
    services = {os.path.basename(path) for path in listed if os.path.dirname(path).endswith("data")}
    assert services == {"dynamodb"}  # botocore's own Loader lists all ~420 here
    assert len(listed) < 10


def test_a_model_in_aws_data_path_is_found_first(tmp_path, monkeypatch):
    model = {
        "version": "2.0",
        "metadata": {
            "apiVersion": "2099-01-01",
            "endpointPrefix": "bench-made",
            "protocol": "json",
            "serviceId": "Bench Made",
            "signatureVersion": "v4",
        },
        "operations": {},
        "shapes": {},
    }
    (tmp_path / "bench-made" / "2099-01-01").mkdir(parents=True)
    (tmp_path / "bench-made" / "2099-01-01" / "service-2.json").write_text(json.dumps(model))
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))
    loader = aws._data_loader(botocore.session.get_session())
    assert loader.load_service_model("bench-made", "service-2") == model


def test_the_shared_session_uses_it():
    assert isinstance(aws.session().get_component("data_loader"), aws.ServiceDirectoryLoader)
