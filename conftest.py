"""Registers the claims engine as a pytest plugin for this checkout."""

pytest_plugins = ["harness.plugin"]
