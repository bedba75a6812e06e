"""Running `workflows/book.yaml` on the local engine, with the steps served in-process.

The workflow reads its step URLs from env vars; locally they are `local://<step>` routes whose handlers call the
same edge (`bookgen.edge.handle`) the Cloud Functions use.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from bookgen.pipeline import STEPS
from bookgen.services import Services


def step_env(settings: Any) -> dict[str, str]:
    env = {f"BOOKGEN_{step.upper()}_URL": f"local://{step}" for step in STEPS}
    env["BOOKGEN_CHAPTER_CONCURRENCY"] = str(settings.chapter_concurrency)
    return env


def step_routes(services: Services) -> Any:
    from bookgen.edge import handle
    from bookgen.workflow.http import HttpxTransport, LocalRoutes

    def handler(step: str, method: str, path: str, query: dict, headers: dict, body: Any) -> tuple[int, Any]:
        return handle(step, body, services)

    return LocalRoutes({f"local://{step}": functools.partial(handler, step) for step in STEPS},
                       fallback=HttpxTransport())


@functools.cache
def _definition(path: str, mtime: float) -> Any:
    from bookgen.workflow import load

    return load(path)


def load_workflow(path: Path) -> Any:
    """Parse once per process (and again only if the file changes). A relative path is looked up in the
    current directory, then in the source checkout this package runs from."""
    from bookgen.errors import ConfigError

    candidates = [path] if path.is_absolute() else [path, Path(__file__).resolve().parents[2] / path]
    for candidate in candidates:
        if candidate.is_file():
            return _definition(str(candidate), candidate.stat().st_mtime)
    raise ConfigError(f"workflow file {path} not found (setting BOOKGEN_WORKFLOW_FILE)")


def run_book(services: Services, argument: Any, execution_id: str | None = None) -> Any:
    """Run one book through the workflow; returns the engine's Execution (never raises for workflow errors)."""
    from bookgen.workflow import Engine

    settings = services.settings
    engine = Engine(env=step_env(settings), transport=step_routes(services), history_dir=settings.data_dir)
    return engine.run(load_workflow(Path(settings.workflow_file)), argument, execution_id=execution_id)
