"""Test helpers for merchants' suites: a real sandbox server on a free port
(`sandbox.testing.server`), a real callback receiver (`sandbox.testing.receiver`) and the pytest
plugin (`sandbox.testing.plugin`, registered as the `sandbox` pytest11 entry point).

This package imports nothing heavy by itself, so loading the plugin costs nothing until a test
asks for one of its fixtures.
"""
