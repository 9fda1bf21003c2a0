"""One botocore session per process, shared by every AWS client a function makes.

A botocore session loads and parses a service's model, its endpoint rules and the partitions when it makes
its first client for that service, and caches them for itself only. PynamoDB opens a session for each model
class and Powertools' parameters made another for Secrets Manager, so a request that read two tables and a
secret made three sessions and parsed DynamoDB's model twice on its cold start (bench/cold_start.py). Here
every client comes from one session: each model is parsed once per process.

Clients are made on first use in a request, never at import (no connection or credential in a SnapStart
snapshot), under a lock: botocore's client creation is not thread-safe (the local gateway's threads). Under
SnapStart the data their creation reads (models, endpoints) is read at init instead (shared/coldstart/__init__.py).
"""

import os
import threading
from functools import cache

import botocore.loaders
import botocore.session
from botocore.exceptions import DataNotFoundError
from botocore.loaders import instance_cache

_lock = threading.RLock()


class ServiceDirectoryLoader(botocore.loaders.Loader):
    """botocore's data loader without its listing of every service.

    Before it loads a service's model, and again for its endpoint rules, botocore's Loader lists every service
    of every data path (about 420 directories: 900 listdirs and 2,700 stats, 15-25 ms of every cold start) only
    to name the known services when the asked one is unknown. This one looks for the asked service's own
    directory, by its exact name, and leaves a name it does not find to botocore, which raises the same
    UnknownServiceError. botocore's pull request #3687 proposes the same change upstream.
    """

    @instance_cache
    def load_service_model(self, service_name, type_name, api_version=None):
        if not self._has_service(service_name, type_name):
            return super().load_service_model(service_name, type_name, api_version)
        version = api_version or self.determine_latest_version(service_name, type_name)
        model = self.load_data(os.path.join(service_name, version, type_name))
        self._extras_processor.process(model, self._find_extras(service_name, type_name, version))  # type: ignore[attr-defined]  # botocore internals its stubs leave out
        return model

    def _has_service(self, service_name: str, type_name: str) -> bool:
        """What `service_name in list_available_services(type_name)` answers, from that service's directory."""
        if not any(os.path.isdir(path) and service_name in os.listdir(path) for path in self.search_paths):
            return False  # listed by exact name, as botocore's listing: no other case, no path
        try:
            return bool(self.list_api_versions(service_name, type_name))
        except DataNotFoundError:
            return False


def _data_loader(session: botocore.session.Session) -> ServiceDirectoryLoader:
    """As botocore.loaders.create_loader, with AWS_DATA_PATH's directories searched first."""
    paths = session.get_config_variable("data_path")
    extra = [os.path.expanduser(os.path.expandvars(path)) for path in paths.split(os.pathsep)] if paths else []
    return ServiceDirectoryLoader(extra_search_paths=extra)


@cache
def session() -> botocore.session.Session:
    shared = botocore.session.get_session()
    shared.register_component("data_loader", _data_loader(shared))
    return shared


def region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def client(service: str, config=None):
    """A new client of the shared session (callers keep it: `functools.cache` around their own factory)."""
    with _lock:
        return session().create_client(service, region_name=region(), config=config)


def creating_clients() -> threading.RLock:
    """The lock every client creation of this process takes (PynamoDB's too: shared/aws/dynamodb.py)."""
    return _lock
