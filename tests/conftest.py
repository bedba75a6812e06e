"""Suite-wide: tests cannot reach a real model by accident (pydantic-ai style). A test that needs the bundled
model or a real server marks itself `@pytest.mark.real_model`."""

from __future__ import annotations

import pytest

from tests.llama_server import llama_server  # noqa: F401  (a session fixture for every test directory)
from tests.pubsub_emulator import pubsub_emulator  # noqa: F401  (likewise)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "real_model: the test may construct real model adapters")


@pytest.fixture(autouse=True)
def _block_real_models(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker("real_model") is None:
        monkeypatch.setenv("BOOKGEN_BLOCK_REAL_MODELS", "1")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> object:
    """In CI (`CI=true`) a skipped test is a failure: every skip here means a missing install step (a server,
    a binary, a font), and CI runs on a machine that `make test` fully set up."""
    import os

    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("CI", "").lower() == "true" and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI (a missing install step?): {report.longrepr}"
