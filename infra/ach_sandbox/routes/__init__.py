"""The sandbox's HTTP routes, one module per resource (the table of routes is `AchSandbox.build_app`)."""
