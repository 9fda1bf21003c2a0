"""The operator commands' own log: one JSON line per change on standard error, in the functions' format (Powertools),
so it can be kept with them (e.g. pasted into the incident) and read by the same queries."""

import sys

from aws_lambda_powertools import Logger

log = Logger(service="portal-payments-ops", level="INFO", logger_handler=None, stream=sys.stderr)
