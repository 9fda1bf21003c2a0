from tests.drivers.ach import sandbox  # noqa: F401  (an ACH sandbox of a module's own, settled when asked)
