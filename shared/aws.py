"""One botocore session per process, shared by every AWS client a function makes.

A botocore session loads and parses a service's model, its endpoint rules and the partitions when it makes
its first client for that service, and caches them for itself only. PynamoDB opens a session for each model
class and Powertools' parameters made another for Secrets Manager, so a request that read two tables and a
secret made three sessions and parsed DynamoDB's model twice on its cold start (bench/cold_start.py). Here
every client comes from one session: each model is parsed once per process.

Clients are made on first use in a request, never at import (no connection or credential in a SnapStart
snapshot), under a lock: botocore's client creation is not thread-safe (the local gateway's threads).
"""

import os
import threading
from functools import cache

import botocore.session

_lock = threading.RLock()


@cache
def session() -> botocore.session.Session:
    return botocore.session.get_session()


def region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def client(service: str, config=None):
    """A new client of the shared session (callers keep it: `functools.cache` around their own factory)."""
    with _lock:
        return session().create_client(service, region_name=region(), config=config)


def creating_clients() -> threading.RLock:
    """The lock every client creation of this process takes (PynamoDB's too: shared/dynamodb.py)."""
    return _lock
