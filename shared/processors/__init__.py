"""Payment processors behind small interfaces, so tests and the local stack can swap them."""
