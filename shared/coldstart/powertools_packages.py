"""Two Powertools packages registered without running their __init__, which imports far more than we use.

- `aws_lambda_powertools.event_handler`: its __init__ imports every resolver it has (AppSync's with asyncio,
  Bedrock agents, VPC Lattice, ...), about 65 modules and a third of an API function's import, for the one
  resolver we use (shared/http/http_resolver.py).
- `aws_lambda_powertools.utilities.data_classes`: its __init__ imports the event class of every AWS source
  (Kafka, SES, CloudWatch, Cognito, ...), about 25 modules and 12-20 ms, where the HTTP resolver needs the
  API Gateway ones and the SQS workers one record class.

A package so registered loads a submodule when it is imported by name, and a name listed in `names` from its own
submodule; the first access to any other name runs the real __init__ after all, so code that wants the whole
package (the OpenAPI generator, tests) still gets it. Import this module before any Powertools import that
reaches these packages (shared/http/http_resolver.py and shared/aws/sqs_entry.py do).
"""

import importlib
import importlib.util
import sys
import types

EVENT_HANDLER = "aws_lambda_powertools.event_handler"
DATA_CLASSES = "aws_lambda_powertools.utilities.data_classes"
# The names Powertools' own modules import from the data_classes package, each with its module: the API
# Gateway events (event_handler/api_gateway.py) and S3Event (data_classes/sqs_event.py, which a worker loads).
DATA_CLASS_MODULES = {
    "ALBEvent": "alb_event",
    "APIGatewayProxyEvent": "api_gateway_proxy_event",
    "APIGatewayProxyEventV2": "api_gateway_proxy_event",
    "BedrockAgentEvent": "bedrock_agent_event",
    "LambdaFunctionUrlEvent": "lambda_function_url_event",
    "VPCLatticeEvent": "vpc_lattice",
    "VPCLatticeEventV2": "vpc_lattice",
    "S3Event": "s3_event",
}


def register_without_init(name: str, names: dict[str, str] | None = None) -> None:
    if name in sys.modules:
        return
    importlib.import_module(name.rpartition(".")[0])
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.loader is not None and spec.submodule_search_locations is not None  # a package
    package = types.ModuleType(name)
    package.__spec__, package.__path__, package.__file__ = spec, spec.submodule_search_locations, spec.origin
    package.__package__ = name
    known = names or {}

    def __getattr__(attribute: str):  # a module __getattr__ (PEP 562)
        if attribute in known:  # from its own submodule only
            value = getattr(importlib.import_module(f"{name}.{known[attribute]}"), attribute)
            setattr(package, attribute, value)
            return value
        del package.__getattr__  # any other name: the real __init__, once
        spec.loader.exec_module(package)  # type: ignore[union-attr]  # asserted above
        return getattr(package, attribute)

    package.__getattr__ = __getattr__  # type: ignore[method-assign]  # a module __getattr__ (PEP 562)
    sys.modules[name] = package


register_without_init(EVENT_HANDLER)
register_without_init(DATA_CLASSES, DATA_CLASS_MODULES)
