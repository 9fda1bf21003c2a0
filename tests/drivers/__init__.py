"""The test drivers: what the tests do to Stripe (stripe.py), ACH (ach.py) and the portal in a browser (portal.py),
written once (docs/testing.md, "Test drivers")."""
