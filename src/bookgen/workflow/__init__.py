"""A faithful local interpreter of the Google Cloud Workflows language.

This package imports nothing else from bookgen, so it can be published on its own.

    from bookgen.workflow import load, Engine
    workflow = load("workflows/book.yaml")          # parse + deploy-time checks, once
    execution = Engine().run(workflow, {"request": {...}})
    execution.state, execution.result, execution.error
"""

from bookgen.workflow.errors import DefinitionError, WorkflowError

__all__ = ["DefinitionError", "Engine", "Execution", "WorkflowError", "load"]


def __getattr__(name: str):  # lazy: keep `import bookgen.workflow` cheap
    if name == "load":
        from bookgen.workflow.loader import load

        return load
    if name in ("Engine", "Execution"):
        from bookgen.workflow import engine

        return getattr(engine, name)
    raise AttributeError(name)
