"""Fixtures for the graph-layer tests: the private Virtuoso server plugin."""

pytest_plugins = ["tests.virtuoso"]
