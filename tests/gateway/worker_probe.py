"""A handler for the worker pool's tests: says which process ran it and how many calls that process's module
state has seen; can wait on a FIFO (proving two invocations run at once), raise, or kill its process."""

import os

CALLS = 0


def handler(event, context):
    global CALLS
    CALLS += 1
    if event.get("exit"):
        os._exit(3)  # a crash, as a Lambda instance can die mid-invocation
    if event.get("raise"):
        raise RuntimeError("handler failed")
    said = None
    if "read_fifo" in event:  # blocks until another invocation opens the FIFO for writing
        with open(event["read_fifo"]) as fifo:
            said = fifo.read()
    if "write_fifo" in event:
        with open(event["write_fifo"], "w") as fifo:
            fifo.write(event["say"])
    return {"pid": os.getpid(), "calls": CALLS, "function": context.function_name, "said": said}
