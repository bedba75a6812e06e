from tests.e2e.conftest import make_services  # noqa: F401  (shared fixture)
