"""Local stack, seed data and deployment helpers. Never imported by deployed code."""
