"""Fixtures shared with the end-to-end tests."""

from tests.e2e.conftest import make_services  # noqa: F401
