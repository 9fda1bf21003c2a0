"""Which kind of init this is, as Lambda names it in AWS_LAMBDA_INITIALIZATION_TYPE: `on-demand` (a request is
waiting for it), `provisioned-concurrency` (the instance is made ready before it is needed) or `snap-start` (init
runs once when a version is published, and every new instance resumes from the snapshot taken after it)."""

import importlib
import os

_AHEAD_OF_REQUESTS = {"snap-start", "provisioned-concurrency"}


def ahead_of_requests() -> bool:
    """True when no request waits for this init: work done now costs no cold start."""
    return os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") in _AHEAD_OF_REQUESTS


def load_ahead(*modules: str) -> None:
    """Modules a request imports where it uses them (one event type's use case, one payment method's): at an init
    no request waits for, import them now, into the snapshot; on demand, leave each to the first request that
    needs it, so a cold instance pays only for what its first request uses."""
    if ahead_of_requests():
        for name in modules:
            importlib.import_module(name)
