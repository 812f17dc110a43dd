"""The sandbox's Lambda service: runs each function's deployed zip in warm workers, like execution environments.

moto runs functions in Docker, which the sandbox lacks. Here each registered `FunctionSpec` gets its archive extracted
once and a pool of up to `pool_size` workers (`lambda_worker.py`), each a separate `python -I -S` process of the
Python its runtime names (`lambda_python.py`), whose environment is only the function's own plus what Lambda sets and
whose import path is only its archive, the packages Lambda's runtime provides (boto3 and its dependencies) and the
standard library. A worker imports the handler once and then serves one invocation at a time; one that times out or
dies is killed and replaced on demand. Injected function faults (`tools/sandbox/faults.py`) are matched here, so
state machine tasks and boto3 callers alike see them.
"""

from __future__ import annotations

import bisect
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
import warnings
import zipfile
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .faults import Fault, FaultRegistry, LambdaServiceError
from .lambda_python import (
    PythonRuntime,
    SubstitutePythonWarning,
    check_archive,
    python_for,
    runtime_packages,
)

WORKER_PATH = Path(__file__).with_name("lambda_worker.py")
#: Lambda's limit on the init phase (importing the handler), on top of the function's own timeout.
INIT_LIMIT_SECONDS = 10.0
#: Basics every process needs (PATH starts with the function's own Python's folder); C.UTF-8 exists everywhere, so
#: Python adds no LC_CTYPE of its own.
BASE_ENVIRONMENT = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}


class FunctionNotFound(KeyError):
    """No registered function has that name, ARN or qualified ARN."""


@dataclass(frozen=True)
class FunctionSpec:
    """One deployed function: its archive, handler and configuration as the program created it."""

    logical_name: str
    function_name: str
    arn: str
    archive_path: Path
    handler: str
    environment: Mapping[str, str]
    timeout_seconds: float
    memory_mb: int = 128
    region: str = "us-east-1"
    #: Lambda's runtime identifier: the function runs on that Python (`lambda_python.python_for`).
    runtime: str = "python3.12"
    architecture: str = "x86_64"
    endpoint_url: str | None = None
    credentials: Callable[[], Mapping[str, str]] | None = None
    pool_size: int = 4


@dataclass(frozen=True)
class Invocation:
    """One finished invocation, as the sandbox reports it."""

    function: str
    started_at: float
    ended_at: float
    event: Any
    error: dict[str, Any] | None
    result: Any
    #: The Python release the function ran on ("3.12.1").
    python: str = ""
    #: Set when that is not the Python its runtime names (none on this machine): what the run must report.
    warning: str | None = None
    #: Its request id: the one its log lines (START, END, REPORT, the handler's logging) carry.
    request_id: str = ""
    #: The log stream it wrote to, named as Lambda names one ("2026/12/07/[$LATEST]<hex>"): one per execution
    #: environment, so each line there is of the one invocation that environment was running
    #: (`LambdaRuntime.log_stream_text`).
    log_stream: str = ""


@dataclass(frozen=True)
class InvokeResult:
    """What Lambda's Invoke API answers: 200 even for a function error, which `function_error` flags."""

    status_code: int
    payload: bytes
    function_error: str | None


@dataclass(frozen=True)
class LogStream:
    """One log stream of a function's log group: an execution environment's, as Lambda makes one per environment."""

    name: str
    path: Path

    def write(self, text: str) -> None:
        with self.path.open("a", encoding="utf-8") as log:
            log.write(text)

    def text(self) -> str:
        return self.path.read_text(encoding="utf-8", errors="replace") if self.path.exists() else ""


@dataclass(frozen=True)
class _Run:
    """What one invocation on a pool gave: the answer, when it started, its request id and its log stream."""

    result: InvokeResult
    started: float
    request_id: str
    log_stream: str


class _WorkerTimedOut(Exception):
    """The worker did not answer before the deadline."""


class _WorkerExited(Exception):
    """The worker closed its pipe: it exited or was killed."""


def worker_environment(
    spec: FunctionSpec, task_root: Path, python: PythonRuntime | None = None, runtime_dir: Path | None = None
) -> dict[str, str]:
    """Exactly what a worker sees: basics, the function's variables, then what Lambda sets (which wins)."""
    environment = {**BASE_ENVIRONMENT, **spec.environment}
    if python is not None:
        environment["PATH"] = f"{Path(python.interpreter.executable).parent}:{BASE_ENVIRONMENT['PATH']}"
    environment.update(
        AWS_REGION=spec.region,
        AWS_DEFAULT_REGION=spec.region,
        AWS_LAMBDA_FUNCTION_NAME=spec.function_name,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE=str(spec.memory_mb),
        AWS_LAMBDA_FUNCTION_TIMEOUT=f"{spec.timeout_seconds:g}",
        LAMBDA_TASK_ROOT=str(task_root),
    )
    if runtime_dir is not None:  # Lambda's /var/runtime: the runtime's own packages, after the archive on sys.path
        environment["LAMBDA_RUNTIME_DIR"] = str(runtime_dir)
    if spec.endpoint_url:
        environment["AWS_ENDPOINT_URL"] = spec.endpoint_url
    if spec.credentials is not None:
        credentials = spec.credentials()
        environment["AWS_ACCESS_KEY_ID"] = credentials["AccessKeyId"]
        environment["AWS_SECRET_ACCESS_KEY"] = credentials["SecretAccessKey"]
        if credentials.get("SessionToken"):
            environment["AWS_SESSION_TOKEN"] = credentials["SessionToken"]
    return environment


def _decode(payload: bytes) -> Any:
    try:
        return json.loads(payload)
    except ValueError:
        return payload.decode("utf-8", "replace")


def function_name(reference: str) -> str:
    """The name in `name`, `name:qualifier`, `account:function:name[:qualifier]` or a full ARN."""
    parts = reference.split(":")
    if reference.startswith("arn:") and len(parts) >= 7:
        return parts[6]
    if len(parts) >= 3 and parts[1] == "function":
        return parts[2]
    return parts[0]


def _error_result(body: Mapping[str, Any]) -> InvokeResult:
    return InvokeResult(200, json.dumps(body).encode(), "Unhandled")


class _Worker:
    """One execution environment: a worker process and the two pipes of its protocol."""

    def __init__(self, process: subprocess.Popen[bytes], stream: LogStream) -> None:
        assert process.stdin is not None and process.stdout is not None
        self.process = process
        #: Its own log stream: what it prints, and what the sandbox logs of it (start, timeout, death).
        self.stream = stream
        self._requests = process.stdin
        self._responses = process.stdout.fileno()
        self._poller = select.poll()
        self._poller.register(self._responses, select.POLLIN)
        self._buffer = bytearray()

    @property
    def pid(self) -> int:
        return self.process.pid

    def send(self, message: dict[str, Any]) -> None:
        try:
            self._requests.write(json.dumps(message).encode() + b"\n")
            self._requests.flush()
        except BrokenPipeError as error:
            raise _WorkerExited from error

    def receive(self, deadline: float) -> dict[str, Any]:
        """The next message, waiting until `deadline` (time.monotonic)."""
        while (end := self._buffer.find(b"\n")) < 0:
            remaining_ms = (deadline - time.monotonic()) * 1000
            if remaining_ms <= 0 or not self._poller.poll(max(1, int(remaining_ms))):
                raise _WorkerTimedOut
            chunk = os.read(self._responses, 1 << 16)
            if not chunk:
                raise _WorkerExited
            self._buffer += chunk
        line = bytes(self._buffer[:end])
        del self._buffer[: end + 1]
        message: dict[str, Any] = json.loads(line)
        return message

    def kill(self) -> None:
        """Kill the worker and anything its handler started (its own process group), and reap it."""
        if self.process.returncode is None:  # not reaped yet, so the group id cannot have been reused
            with suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def discard(self) -> None:
        """Kill and close the pipes; only the thread that owns the worker may call this."""
        self.kill()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                with suppress(OSError):
                    stream.close()

    def exit_status(self) -> str:
        self.kill()
        code = self.process.returncode
        return f"signal: {(signal.strsignal(-code) or str(-code)).lower()}" if code < 0 else f"exit status {code}"


class _FunctionPool:
    """The warm workers of one registered spec: at most `pool_size`, idle ones reused before new ones start.

    Each worker writes to a log stream of its own in `log_dir`, as each Lambda execution environment does; a handler
    error injected without running the handler is logged to one more stream, a block at a time.
    """

    def __init__(
        self,
        spec: FunctionSpec,
        task_root: Path,
        log_dir: Path,
        python: PythonRuntime,
        runtime_dir: Path,
        on_new_stream: Callable[[LogStream], None],
    ) -> None:
        self.spec = spec
        self.task_root = task_root
        self.log_dir = log_dir
        self._on_new_stream = on_new_stream
        self._streams: list[LogStream] = []
        self._injected_stream: LogStream | None = None
        self.python = python
        self.runtime_dir = runtime_dir
        self._available = threading.Condition()
        self._idle: list[_Worker] = []
        self._workers: set[_Worker] = set()
        self._slots_taken = 0
        self._retired = False
        self._closed = False

    def run(self, payload: bytes, fault: Fault | None = None) -> _Run:
        """Invoke on a free worker (waiting for one when all are busy).

        A delay or crash `fault` is carried out by the worker inside the invocation, so it counts against the
        function's timeout and ends as a real timeout or a dead process does.
        """
        worker = self._acquire()
        keep = False
        started = time.time()
        request_id = str(uuid.uuid4())
        timeout = self.spec.timeout_seconds
        try:
            if worker is None:
                worker = self._start_worker()
                init_error = worker.receive(time.monotonic() + INIT_LIMIT_SECONDS + timeout)["initError"]
                if init_error is not None:
                    return _Run(_error_result(init_error), started, request_id, worker.stream.name)
            started = time.time()
            request: dict[str, Any] = {
                "requestId": request_id,
                "invokedFunctionArn": self.spec.arn,
                "deadlineMs": int((started + timeout) * 1000),
                "payload": payload.decode("utf-8", "replace"),
            }
            if fault is not None and fault.kind == "delay":
                request["fault"] = {"delaySeconds": fault.seconds}
            elif fault is not None and fault.kind == "crash":
                request["fault"] = {"crash": fault.how}
            worker.send(request)
            response = worker.receive(time.monotonic() + timeout)
            keep = True
            result = InvokeResult(200, response["payload"].encode(), "Unhandled" if response["functionError"] else None)
        except _WorkerTimedOut:
            assert worker is not None
            message = f"Task timed out after {timeout:.2f} seconds"
            worker.stream.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime())}Z {request_id} {message}\n")
            result = _error_result({"errorType": "Sandbox.Timedout", "errorMessage": message})
        except _WorkerExited:
            assert worker is not None
            status = worker.exit_status()
            message = f"RequestId: {request_id} Error: Runtime exited with error: {status}"
            # Lambda names an environment it killed for its memory Runtime.OutOfMemory; other deaths ExitError
            out_of_memory = fault is not None and fault.kind == "crash" and fault.how == "oom"
            error_type = "Runtime.OutOfMemory" if out_of_memory else "Runtime.ExitError"
            result = _error_result({"errorType": error_type, "errorMessage": message})
        finally:
            self._release(worker, keep)
        assert worker is not None
        return _Run(result, started, request_id, worker.stream.name)

    def raise_in_handler(self, error_type: str, message: str) -> _Run:
        """What an invocation whose handler raised `error_type` answers, logged as the runtime logs it (one write,
        so blocks of concurrent calls never interleave)."""
        started = time.time()
        request_id = str(uuid.uuid4())
        with self._available:
            if self._injected_stream is None:
                self._injected_stream = self._new_stream()
            stream = self._injected_stream
        stream.write(
            f"START RequestId: {request_id} Version: $LATEST\n[ERROR] {error_type}: {message}\n"
            f"END RequestId: {request_id}\n"
        )
        body = {"errorMessage": message, "errorType": error_type, "stackTrace": []}
        return _Run(_error_result(body), started, request_id, stream.name)

    def streams(self) -> list[LogStream]:
        """Its log streams, oldest first."""
        with self._available:
            return list(self._streams)

    def retire(self) -> None:
        """Kill idle workers now and busy ones when their invocation ends."""
        with self._available:
            self._retired = True
            idle, self._idle = self._idle, []
        for worker in idle:
            self._release(worker, keep=False)

    def pids(self) -> list[int]:
        with self._available:
            return [worker.pid for worker in self._workers]

    def kill_all(self) -> None:
        """Kill every worker, busy ones too; their invocations end with Runtime.ExitError."""
        self.retire()
        with self._available:
            self._closed = True
            workers = list(self._workers)
        for worker in workers:
            worker.kill()

    def _acquire(self) -> _Worker | None:
        """An idle worker, or None once a slot for a new worker is reserved."""
        with self._available:
            while not self._idle and self._slots_taken >= self.spec.pool_size:
                self._available.wait()
            if self._idle:
                return self._idle.pop()  # the most recently used one, as Lambda prefers warm environments
            self._slots_taken += 1
            return None

    def _release(self, worker: _Worker | None, keep: bool) -> None:
        with self._available:
            keep = keep and not self._retired
            if keep and worker is not None:
                self._idle.append(worker)
            else:
                self._slots_taken -= 1
                if worker is not None:
                    self._workers.discard(worker)
            self._available.notify()
        if worker is not None and not keep:
            worker.discard()

    def _new_stream(self) -> LogStream:
        """A new log stream, named as Lambda names an environment's; the caller holds `_available`."""
        hex_id = uuid.uuid4().hex
        self.log_dir.mkdir(parents=True, exist_ok=True)
        stream = LogStream(
            f"{time.strftime('%Y/%m/%d', time.gmtime())}/[$LATEST]{hex_id}",
            self.log_dir / f"{len(self._streams):05d}-{hex_id}.log",
        )
        self._streams.append(stream)
        self._on_new_stream(stream)
        return stream

    def _start_worker(self) -> _Worker:
        environment = worker_environment(self.spec, self.task_root, self.python, self.runtime_dir)
        interpreter = self.python.interpreter
        with self._available:
            stream = self._new_stream()
        stream.write(
            f"INIT_START Runtime Version: {self.spec.runtime} (sandbox: Python {interpreter.release}, "
            f"{interpreter.executable})\n" + (f"WARNING {self.python.note}\n" if self.python.note else "")
        )
        with stream.path.open("ab") as log:
            process = subprocess.Popen(
                # -S: no site-packages of that Python's own; the worker puts the archive and the runtime's
                # packages on sys.path, as Lambda's /var/task and /var/runtime
                [interpreter.executable, "-I", "-S", "-u", str(WORKER_PATH), self.spec.handler],
                cwd=self.task_root,
                env=environment,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                start_new_session=True,  # its own process group, so kill() also ends what the handler started
            )
        worker = _Worker(process, stream)
        with self._available:
            closed = self._closed
            if not closed:
                self._workers.add(worker)
        if closed:  # kill_all() ran while this worker started: it must not outlive close()
            worker.kill()
            raise _WorkerExited
        return worker


class LambdaRuntime:
    """Registered functions and their worker pools; `invoke` is what the embedded AWS's Lambda Invoke calls."""

    def __init__(self, work_dir: Path | None = None, faults: FaultRegistry | None = None) -> None:
        self._own_work_dir = work_dir is None
        #: Function faults to inject; the sandbox shares this registry with the embedded AWS's API faults.
        self.faults = FaultRegistry() if faults is None else faults
        self.work_dir = Path(tempfile.mkdtemp(prefix="sandbox-lambda-")) if work_dir is None else work_dir
        (self.work_dir / "logs").mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._streams: dict[str, LogStream] = {}  # every log stream by name, those of replaced pools too
        self._pools: dict[str, _FunctionPool] = {}
        self._every_pool: list[_FunctionPool] = []  # replaced pools may still have busy workers for close()
        self._records: list[tuple[float, int, Invocation]] = []
        self._extractions = 0
        self._closed = False

    def __enter__(self) -> LambdaRuntime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def register(self, spec: FunctionSpec) -> None:
        """Extract the archive once and make the function invocable; an earlier spec of the name is retired.

        Raises `UnsupportedRuntime` for a runtime other than pythonX.Y, and `IncompatibleArchive` for an archive whose
        compiled dependencies cannot load in the Python it would run on. When the runtime's own Python is not on
        this machine, the function runs on the nearest one: a `SubstitutePythonWarning` says so, as does every
        invocation record (`Invocation.warning`) and the function's log.
        """
        if spec.pool_size < 1 or spec.timeout_seconds <= 0:
            raise ValueError(f"{spec.function_name}: pool_size must be >= 1 and timeout_seconds > 0")
        python = python_for(spec.runtime)
        with self._lock:
            self._extractions += 1
            task_root = self.work_dir / "functions" / f"{spec.function_name}-{self._extractions}"
        with zipfile.ZipFile(spec.archive_path) as archive:
            archive.extractall(task_root)
        check_archive(task_root, python, spec.function_name, spec.architecture)
        if python.note:
            warnings.warn(f"function {spec.function_name}: {python.note}", SubstitutePythonWarning, stacklevel=2)
        runtime_dir = runtime_packages(self.work_dir / "runtime")
        log_dir = self.work_dir / "logs" / f"{spec.function_name}-{self._extractions}"
        pool = _FunctionPool(spec, task_root, log_dir, python, runtime_dir, self._add_stream)
        with self._lock:
            if self._closed:
                raise RuntimeError("the Lambda runtime is closed")
            previous = self._pools.get(spec.function_name)
            self._pools[spec.function_name] = pool
            self._every_pool.append(pool)
        if previous is not None:
            previous.retire()

    def invoke(self, function: str, payload: bytes) -> InvokeResult:
        """Run one invocation and wait for it; `function` is a name, an ARN, or either with a `:qualifier`.

        An injected Lambda service error raises `LambdaServiceError` (the Invoke call fails; nothing runs); an
        injected handler error answers as the handler raising it would.
        """
        pool = self._pool(function)
        spec = pool.spec
        fault = self.faults.for_function(spec.logical_name, spec.function_name, spec.arn)
        if fault is not None and fault.is_service_error:
            raise LambdaServiceError(fault)
        if fault is not None and fault.kind == "error":
            run = pool.raise_in_handler(str(fault.error_name), fault.message)
        else:
            run = pool.run(payload, fault)
        result, started = run.result, run.started
        ended = time.time()
        body = _decode(result.payload)
        error = None
        if result.function_error:
            error = {"errorType": body.get("errorType"), "errorMessage": body.get("errorMessage")}
        python = pool.python
        invocation = Invocation(
            spec.logical_name,
            started,
            ended,
            _decode(payload),
            error,
            body,
            python.interpreter.release,
            python.note,
            run.request_id,
            run.log_stream,
        )
        with self._lock:
            bisect.insort(self._records, (started, len(self._records), invocation))
        return result

    def invocations(self) -> list[Invocation]:
        """Every finished invocation, in start order."""
        with self._lock:
            return [record[2] for record in self._records]

    def worker_pids(self) -> list[int]:
        """The process ids of every live worker (to prove that `close()` leaves none behind)."""
        with self._lock:
            pools = list(self._every_pool)
        return [pid for pool in pools for pid in pool.pids()]

    def log_text(self, function: str) -> str:
        """What the function printed and logged, with Lambda's START/END/REPORT lines (its CloudWatch log group):
        each of its log streams whole, oldest first."""
        return "".join(stream.text() for stream in self._pool(function).streams())

    def log_stream_text(self, name: str) -> str:
        """One log stream (`Invocation.log_stream`): an environment's lines, whichever function or pool it was."""
        with self._lock:
            stream = self._streams.get(name)
        if stream is None:
            raise KeyError(f"no log stream {name!r}")
        return stream.text()

    def _add_stream(self, stream: LogStream) -> None:
        with self._lock:
            self._streams[stream.name] = stream

    def close(self) -> None:
        """Kill every worker and wait for them; a temporary work folder is removed."""
        with self._lock:
            self._closed = True
            pools, self._every_pool, self._pools = self._every_pool, [], {}
        for pool in pools:
            pool.kill_all()
        if self._own_work_dir:
            shutil.rmtree(self.work_dir, ignore_errors=True)

    def _pool(self, function: str) -> _FunctionPool:
        name = function_name(function)
        with self._lock:
            if self._closed:
                raise RuntimeError("the Lambda runtime is closed")
            pool = self._pools.get(name) or next((p for p in self._pools.values() if p.spec.logical_name == name), None)
        if pool is None:
            raise FunctionNotFound(function)
        return pool
