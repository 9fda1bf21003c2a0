"""The money model's reach, on the terminal after a run that names tests/model (also from pytest-xdist workers,
whose own output is not shown): each model test records its summary as a user property. A whole-suite xdist
run does not load this file in its controller, so it prints nothing there."""


def pytest_terminal_summary(terminalreporter):
    for report in terminalreporter.getreports("passed") + terminalreporter.getreports("failed"):
        for name, value in report.user_properties:
            if name == "money model":
                terminalreporter.write_line(value)
