"""The four steps of a book, one module each: outline, chapters, assemble, publish.

Each module has `run(services, payload: dict) -> dict`: pure step logic over the ports, idempotent (outputs at
deterministic keys; a step that finds its output returns it without calling the model).
"""

STEPS = ("outline", "chapters", "assemble", "publish")
