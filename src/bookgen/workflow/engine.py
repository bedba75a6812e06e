"""Running a loaded workflow: one `Run` per execution, an `Execution` record at the end.

    engine = Engine(env={"BOOKGEN_OUTLINE_URL": "local://outline"}, transport=routes, history_dir="data")
    execution = engine.run(definition, argument)      # never raises for workflow errors
    execution.state  # "SUCCEEDED" | "FAILED";  execution.result / execution.error

Limits (https://cloud.google.com/workflows/quotas): 512 KB of variables, 100,000 steps, call depth 20,
≤ 20 concurrently running branches/iterations per execution, parallel nesting depth 2.
"""

from __future__ import annotations

import itertools
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bookgen.workflow import model as m
from bookgen.workflow.errors import WorkflowError, error
from bookgen.workflow.history import Entry, HistoryStore, iso
from bookgen.workflow.runtime import Runtime
from bookgen.workflow.values import copy_value, size_of

log = logging.getLogger(__name__)
CALL_LOG_LEVELS = ("none", "log-errors-only", "log-all-calls")
MEMORY_LIMIT = 512 * 1024
MAX_STEPS = 100_000
MAX_CONCURRENT_BRANCHES = 20
RESERVED_ENV_PREFIXES = ("GOOGLE", "WORKFLOWS")


@dataclass
class Execution:
    """What the Executions API reports about a finished run."""

    execution_id: str
    workflow: str
    state: str
    argument: Any
    result: Any = None
    error: Any = None  # the error map (or raised string) when FAILED
    start: float = 0.0
    end: float = 0.0
    entries: list[Entry] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)
    call_log_level: str = "none"

    def to_dict(self) -> dict[str, Any]:
        return {
            "executionId": self.execution_id, "workflow": self.workflow, "state": self.state,
            "argument": self.argument, "result": self.result, "error": self.error,
            "startTime": iso(self.start), "endTime": iso(self.end), "duration": round(self.end - self.start, 6),
            "stepCount": len(self.entries), "callLogLevel": self.call_log_level,
            "calls": self.calls, "stepEntries": [e.to_dict() for e in self.entries],
        }


class Run:
    """Mutable state of one execution, shared by all its threads."""

    def __init__(self, definition: m.Definition, runtime: Runtime, call_log_level: str):
        self.definition = definition
        self.runtime = runtime
        self.now = runtime.now
        self.call_log_level = call_log_level
        self.memory = 0
        self.memory_limit = MEMORY_LIMIT
        self.max_steps = MAX_STEPS
        self.step_counter = itertools.count()
        self._entry_ids = itertools.count(1)
        self.entries: list[Entry] = []
        self.calls: list[dict[str, Any]] = []
        self.lock = threading.RLock()
        self.threads = 0  # running parallel branches; > 0 means writes take `lock`
        self.max_branches = MAX_CONCURRENT_BRANCHES
        self.slots = threading.BoundedSemaphore(MAX_CONCURRENT_BRANCHES)

    def next_entry_id(self) -> int:
        return next(self._entry_ids)

    def record_call(self, step: m.Call, args: Any, result: Any, err: Any) -> None:
        level = self.call_log_level
        if level == "none" or (level == "log-errors-only" and err is None):
            return
        record = {"step": step.name, "function": step.function, "args": _redacted(args), "time": iso(self.now())}
        record.update({"error": err} if err is not None else {"result": result})
        self.calls.append(record)
        log.info("workflow call %s", json.dumps(record, default=repr)[:2000])


class Engine:
    """Runs definitions. One engine can run many executions, also concurrently."""

    def __init__(
        self,
        env: Mapping[str, str] | None = None,
        transport: Any = None,
        token_provider: Any = None,
        history_dir: str | Path | None = None,
        call_log_level: str = "none",
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], float] = time.time,
        log_sink: Callable[[str, Any], None] | None = None,
        project_id: str = "local-project",
        location: str = "local",
    ):
        if call_log_level not in CALL_LOG_LEVELS:
            raise ValueError(f"call_log_level must be one of {', '.join(CALL_LOG_LEVELS)}")
        env = dict(env or {})
        reserved = sorted(k for k in env if k.startswith(RESERVED_ENV_PREFIXES))
        if reserved:
            raise ValueError(f"user environment variables cannot start with GOOGLE or WORKFLOWS: {', '.join(reserved)}")
        self.env, self.transport, self.token_provider = env, transport, token_provider
        self.history = HistoryStore(history_dir) if history_dir is not None else None
        self.call_log_level, self.sleep, self.now = call_log_level, sleep, now
        self.log_sink = log_sink or _log_to_python
        self.project_id, self.location = project_id, location

    def run(self, definition: m.Definition, argument: Any = None, execution_id: str | None = None) -> Execution:
        execution_id = execution_id or str(uuid.uuid4())
        workflow_id = Path(definition.file).stem.split(".")[0] or "workflow"
        runtime = Runtime(
            env={**self.builtin_env(workflow_id, execution_id), **self.env},
            transport=self.transport, token_provider=self.token_provider,
            log=self.log_sink, sleep=self.sleep, now=self.now,
        )
        run = Run(definition, runtime, self.call_log_level)
        execution = Execution(execution_id, definition.file, "ACTIVE", argument, start=self.now(),
                              call_log_level=self.call_log_level)
        try:
            execution.result = self._main(run, argument)
            execution.state = "SUCCEEDED"
        except WorkflowError as e:
            execution.state, execution.error = "FAILED", e.value
        execution.end = self.now()
        execution.entries, execution.calls = run.entries, run.calls
        if self.history is not None:
            self.history.save(execution.to_dict())
        return execution

    def _main(self, run: Run, argument: Any) -> Any:
        from bookgen.workflow.interpreter import Frame, Interpreter, Return
        from bookgen.workflow.scope import Scope

        interpreter = Interpreter(run)
        main = run.definition.main
        if size_of(argument) > 32 * 1024 + 8:
            raise error("ResourceLimitError", "the execution argument is larger than 32 KB")
        scope = Scope(Frame(run, interpreter, "main"))
        if main.params:
            scope.set_local(main.params[0][0], copy_value(argument))
        signal = interpreter.block(main.block, scope)
        result = signal.value if isinstance(signal, Return) else None
        if isinstance(result, bytes) or _has_bytes(result):
            raise error("TypeError", "a workflow cannot return bytes; encode them first (base64.encode)")
        return result

    def builtin_env(self, workflow_id: str, execution_id: str) -> dict[str, str]:
        """The documented built-in variables of sys.get_env."""
        return {
            "GOOGLE_CLOUD_PROJECT_ID": self.project_id, "GOOGLE_CLOUD_PROJECT_NUMBER": "000000000000",
            "GOOGLE_CLOUD_LOCATION": self.location,
            "GOOGLE_CLOUD_SERVICE_ACCOUNT_NAME": f"workflows-local@{self.project_id}.iam.gserviceaccount.com",
            "GOOGLE_CLOUD_WORKFLOW_ID": workflow_id, "GOOGLE_CLOUD_WORKFLOW_REVISION_ID": "000001-local",
            "GOOGLE_CLOUD_WORKFLOW_EXECUTION_ID": execution_id,
        }


def _redacted(value: Any) -> Any:
    """Call logs hide HTTP Authorization headers (https://cloud.google.com/workflows/docs/log-workflow)."""
    if isinstance(value, list):
        return [_redacted(v) for v in value]
    if isinstance(value, dict):
        return {k: "<redacted>" if k.lower() == "authorization" else _redacted(v) for k, v in value.items()}
    return value


def _has_bytes(value: Any) -> bool:
    if isinstance(value, bytes):
        return True
    if isinstance(value, list):
        return any(_has_bytes(v) for v in value)
    if isinstance(value, dict):
        return any(_has_bytes(v) for v in value.values())
    return False


_workflow_log = logging.getLogger("bookgen.workflow.sys_log")
_LEVELS = {"DEBUG": 10, "INFO": 20, "NOTICE": 20, "WARNING": 30, "ERROR": 40, "CRITICAL": 50, "ALERT": 50,
           "EMERGENCY": 50}


def _log_to_python(severity: str, payload: Any) -> None:
    text = payload if isinstance(payload, str) else json.dumps(payload, default=repr)
    _workflow_log.log(_LEVELS.get(severity, 20), "%s", text)
