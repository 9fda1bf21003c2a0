from tests.integration.conftest import seeded  # noqa: F401  (the same two clients and invoices)
