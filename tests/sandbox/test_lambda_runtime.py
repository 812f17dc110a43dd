"""The sandbox's Lambda runtime runs real zips in isolated, warm worker processes, as Lambda's environments do."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import textwrap
import threading
import time
import uuid
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tools.sandbox.console.invocations import log_blocks
from tools.sandbox.lambda_runtime import FunctionNotFound, FunctionSpec, InvokeResult, LambdaRuntime

REPO_ROOT = Path(__file__).resolve().parents[2]
ARN_PREFIX = "arn:aws:lambda:us-east-1:123456789012:function:"

#: One handler module with a handler per behaviour under test; each test picks one through `FunctionSpec.handler`.
APP = '''
import json
import logging
import os
import socket
import sys
import time
from pathlib import Path

import helpers

IMPORTS = helpers.count_import()
logger = logging.getLogger()
logger.setLevel(logging.INFO)


class InvalidEvent(ValueError):
    pass


def describe(event, context):
    return {
        "pid": os.getpid(),
        "imports": IMPORTS,
        "cwd": os.getcwd(),
        "sys_path_0": sys.path[0],
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "aws_request_id": context.aws_request_id,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "remaining_ms": context.get_remaining_time_in_millis(),
    }


def environment(event, context):
    time.sleep(event.get("sleep", 0))
    return dict(os.environ)


def shadowed(event, context):
    import yaml
    return {"file": yaml.__file__, "marker": yaml.MARKER}


def chatty(event, context):
    print("printed line", event["word"])
    os.write(1, b"raw write to fd 1\\n")
    sys.stderr.write("stderr line\\n")
    logger.info("logged %s", event["word"])
    return {"word": event["word"]}


def connect(event, context):
    with socket.create_connection((event["host"], event["port"]), timeout=2):
        return "connected"


def meet(event, context):
    """Write this worker's pid, then wait until `peers` workers have arrived: only concurrent runs get through."""
    folder = Path(event["folder"])
    (folder / f"{os.getpid()}-{context.aws_request_id}").write_text("")
    deadline = time.monotonic() + event.get("wait", 10)
    while len(list(folder.iterdir())) < event["peers"]:
        if time.monotonic() > deadline:
            raise TimeoutError("peers never arrived")
        time.sleep(0.01)
    time.sleep(event.get("linger", 0))
    return os.getpid()


def overlap(event, context):
    """Print a line, wait until `peers` runs have printed theirs, print another: the prints of concurrent runs."""
    folder = Path(event["folder"])
    print("begin", event["tag"])
    (folder / event["tag"]).write_text("")
    deadline = time.monotonic() + 10
    while len(list(folder.iterdir())) < event["peers"]:
        if time.monotonic() > deadline:
            raise TimeoutError("peers never arrived")
        time.sleep(0.01)
    time.sleep(event.get("after", 0))
    print("end", event["tag"])
    return event["tag"]


def sleep(event, context):
    Path(event["pid_file"]).write_text(str(os.getpid()))
    time.sleep(event["seconds"])
    return os.getpid()


def fail(event, context):
    raise InvalidEvent(f"event.item: expected a string, got {json.dumps(event.get('item'))}")


def unserializable(event, context):
    return {"tags": {"a", "b"}}


def decimal_result(event, context):
    from decimal import Decimal
    return {"count": Decimal("3"), "ratio": Decimal("0.5")}


def exit_hard(event, context):
    os._exit(3)
'''

HELPERS = """
import itertools

_counter = itertools.count(1)


def count_import():
    return next(_counter)
"""

ABSOLUTE_IMPORT = "from pkg.names import NAME\n\ndef handler(e, c):\n    return NAME\n"

#: A stand-in for PyYAML, which is installed in the virtualenv: the zip's copy must win.
YAML_STAND_IN = "MARKER = 'from the zip'\n"


def build_zip(folder: Path, files: dict[str, str], name: str = "function.zip") -> Path:
    archive = folder / name
    with zipfile.ZipFile(archive, "w") as bundle:
        for path, text in files.items():
            bundle.writestr(path, textwrap.dedent(text))
    return archive


@pytest.fixture
def app_zip(tmp_path: Path) -> Path:
    return build_zip(tmp_path, {"app.py": APP, "helpers.py": HELPERS, "yaml.py": YAML_STAND_IN})


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[LambdaRuntime]:
    with LambdaRuntime(tmp_path / "runtime") as lambda_runtime:
        yield lambda_runtime


def make_spec(archive: Path, handler: str, name: str = "app", **overrides: Any) -> FunctionSpec:
    spec = FunctionSpec(
        logical_name=f"{name}-function",
        function_name=f"{name}-1a2b3c4",
        arn=f"{ARN_PREFIX}{name}-1a2b3c4",
        archive_path=archive,
        handler=f"app.{handler}",
        environment={},
        timeout_seconds=10,
    )
    return replace(spec, **overrides)


def invoke(runtime: LambdaRuntime, function: str, event: Any) -> tuple[InvokeResult, Any]:
    result = runtime.invoke(function, json.dumps(event).encode())
    return result, json.loads(result.payload)


def running(pid: int) -> bool:
    """Whether a process exists and is not a zombie (an orphan's zombie may wait for a reaper that never comes)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def wait_until(condition: Any, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_handler_gets_the_event_and_a_lambda_context(runtime: LambdaRuntime, app_zip: Path) -> None:
    runtime.register(make_spec(app_zip, "describe", memory_mb=256))

    result, body = invoke(runtime, "app-1a2b3c4", {"item": 1})

    assert (result.status_code, result.function_error) == (200, None)
    assert body["function_name"] == "app-1a2b3c4"
    assert body["function_version"] == "$LATEST"
    assert body["invoked_function_arn"] == f"{ARN_PREFIX}app-1a2b3c4"
    assert body["memory_limit_in_mb"] == "256"  # a string, as the Python runtime passes it
    assert uuid.UUID(body["aws_request_id"]).version == 4
    assert body["log_group_name"] == "/aws/lambda/app-1a2b3c4"
    assert "[$LATEST]" in body["log_stream_name"]
    assert 0 < body["remaining_ms"] <= 10_000
    assert body["cwd"] == body["sys_path_0"]  # the extracted archive is the working folder and first on sys.path


def test_function_is_found_by_name_arn_qualified_arn_and_logical_name(runtime: LambdaRuntime, app_zip: Path) -> None:
    runtime.register(make_spec(app_zip, "describe"))

    for reference in (
        "app-1a2b3c4",
        "app-1a2b3c4:$LATEST",
        f"{ARN_PREFIX}app-1a2b3c4",
        f"{ARN_PREFIX}app-1a2b3c4:$LATEST",
        "123456789012:function:app-1a2b3c4",
        "app-function",
    ):
        assert invoke(runtime, reference, {})[0].function_error is None, reference
    with pytest.raises(FunctionNotFound, match="no-such-function"):
        runtime.invoke("no-such-function", b"{}")


def test_each_function_sees_only_its_own_environment(
    runtime: LambdaRuntime, app_zip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARENT_ONLY_SECRET", "must-not-leak")
    credential_calls: list[str] = []

    def credentials() -> dict[str, str]:
        credential_calls.append("called")
        return {"AccessKeyId": "AKIAROLE", "SecretAccessKey": "role-secret", "SessionToken": "role-token"}

    runtime.register(make_spec(app_zip, "environment", name="red", environment={"COLOR": "red"}))
    runtime.register(
        make_spec(
            app_zip,
            "environment",
            name="blue",
            environment={"SHAPE": "square", "AWS_REGION": "ignored-by-lambda"},
            region="eu-west-1",
            endpoint_url="http://127.0.0.1:4566",
            credentials=credentials,
            timeout_seconds=7.5,
        )
    )

    with ThreadPoolExecutor(2) as pool:
        red, blue = pool.map(lambda name: invoke(runtime, name, {"sleep": 0.2})[1], ["red-1a2b3c4", "blue-1a2b3c4"])

    lambda_keys = {
        "PATH",
        "LANG",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_TIMEOUT",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
    assert set(red) == lambda_keys | {"COLOR"}
    assert red["COLOR"] == "red"
    assert red["AWS_LAMBDA_FUNCTION_NAME"] == "red-1a2b3c4"
    assert set(blue) == lambda_keys | {
        "SHAPE",
        "AWS_ENDPOINT_URL",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    }
    assert blue["AWS_REGION"] == blue["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert blue["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4566"
    assert (blue["AWS_ACCESS_KEY_ID"], blue["AWS_SECRET_ACCESS_KEY"], blue["AWS_SESSION_TOKEN"]) == (
        "AKIAROLE",
        "role-secret",
        "role-token",
    )
    assert blue["AWS_LAMBDA_FUNCTION_TIMEOUT"] == "7.5"
    assert blue["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "128"
    assert credential_calls == ["called"]  # once, when the worker started


def test_modules_in_the_zip_shadow_installed_packages(runtime: LambdaRuntime, app_zip: Path) -> None:
    runtime.register(make_spec(app_zip, "shadowed"))

    _, body = invoke(runtime, "app-1a2b3c4", {})

    assert body["marker"] == "from the zip"
    assert "site-packages" not in body["file"]


def test_handler_module_is_imported_once_per_warm_worker(runtime: LambdaRuntime, app_zip: Path) -> None:
    runtime.register(make_spec(app_zip, "describe"))

    calls = [invoke(runtime, "app-1a2b3c4", {})[1] for _ in range(3)]

    assert [call["imports"] for call in calls] == [1, 1, 1]
    assert len({call["pid"] for call in calls}) == 1
    assert len({call["aws_request_id"] for call in calls}) == 3


def test_prints_and_logs_go_to_the_function_log_not_the_protocol(runtime: LambdaRuntime, app_zip: Path) -> None:
    runtime.register(make_spec(app_zip, "chatty"))

    _, body = invoke(runtime, "app-1a2b3c4", {"word": "hello"})

    assert body == {"word": "hello"}
    log = runtime.log_text("app-1a2b3c4")
    assert "printed line hello" in log
    assert "raw write to fd 1" in log
    assert "stderr line" in log
    request_id = log.split("START RequestId: ")[1].split()[0]
    assert "[INFO]\t" in log and f"\t{request_id}\tlogged hello\n" in log
    assert f"END RequestId: {request_id}" in log
    assert f"REPORT RequestId: {request_id}" in log
    assert runtime.log_text("app-function") == log


def test_network_guard_blocks_remote_addresses_and_allows_loopback(runtime: LambdaRuntime, app_zip: Path) -> None:
    runtime.register(make_spec(app_zip, "connect"))
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]

        local, local_body = invoke(runtime, "app-1a2b3c4", {"host": "127.0.0.1", "port": port})
        remote, remote_body = invoke(runtime, "app-1a2b3c4", {"host": "203.0.113.7", "port": 443})
        named, named_body = invoke(runtime, "app-1a2b3c4", {"host": "sts.amazonaws.com", "port": 443})

    assert (local.function_error, local_body) == (None, "connected")
    assert remote.function_error == "Unhandled"
    assert remote_body["errorType"] == "SandboxNetworkBlocked"
    assert "203.0.113.7:443" in remote_body["errorMessage"]
    assert named.function_error == "Unhandled"
    assert named_body["errorType"] == "SandboxNetworkBlocked"
    assert "sts.amazonaws.com" in named_body["errorMessage"]


def test_invocations_run_in_parallel_up_to_pool_size(runtime: LambdaRuntime, app_zip: Path, tmp_path: Path) -> None:
    runtime.register(make_spec(app_zip, "meet", pool_size=3))
    event = {"folder": str(tmp_path / "arrivals"), "peers": 3, "linger": 0.1}
    (tmp_path / "arrivals").mkdir()

    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda _: invoke(runtime, "app-1a2b3c4", event), range(3)))

    assert [result.function_error for result, _ in results] == [None, None, None]  # all three met: none timed out
    assert len({pid for _, pid in results}) == 3
    calls = runtime.invocations()
    assert max(call.started_at for call in calls) < min(call.ended_at for call in calls)


def test_invocations_beyond_pool_size_queue_for_a_free_worker(
    runtime: LambdaRuntime, app_zip: Path, tmp_path: Path
) -> None:
    runtime.register(make_spec(app_zip, "meet", pool_size=2))
    event = {"folder": str(tmp_path / "arrivals"), "peers": 2, "linger": 0.2}
    (tmp_path / "arrivals").mkdir()

    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda _: invoke(runtime, "app-1a2b3c4", event), range(3)))

    assert [result.function_error for result, _ in results] == [None, None, None]
    assert len({pid for _, pid in results}) == 2  # the third reused a warm worker
    first, second, third = runtime.invocations()
    assert third.started_at >= min(first.ended_at, second.ended_at)


def test_each_worker_writes_its_own_log_stream_so_concurrent_prints_stay_with_their_invocation(
    runtime: LambdaRuntime, app_zip: Path, tmp_path: Path
) -> None:
    """As each Lambda environment has its own log stream: the prints of two runs at once, which name no request,
    are each in the stream of the run that printed them, and the console reads each run's lines from its own."""
    runtime.register(make_spec(app_zip, "overlap", pool_size=2))
    (tmp_path / "arrivals").mkdir()
    # "first" starts first and prints its last line while "second", started later, is still running: one log
    # shared by both would give that line to "second"
    first = {"folder": str(tmp_path / "arrivals"), "peers": 2, "tag": "first", "after": 0}
    second = {"folder": str(tmp_path / "arrivals"), "peers": 2, "tag": "second", "after": 0.5}

    with ThreadPoolExecutor(2) as pool:
        first_run = pool.submit(invoke, runtime, "app-1a2b3c4", first)
        assert wait_until(lambda: (tmp_path / "arrivals" / "first").exists())
        second_run = pool.submit(invoke, runtime, "app-1a2b3c4", second)
        results = [first_run.result(), second_run.result()]

    assert [body for _, body in results] == ["first", "second"]
    calls = {call.event["tag"]: call for call in runtime.invocations()}
    assert calls["first"].log_stream != calls["second"].log_stream
    assert re.fullmatch(r"\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}", calls["first"].log_stream)
    for tag, other in (("first", "second"), ("second", "first")):
        call = calls[tag]
        lines = log_blocks(runtime.log_stream_text(call.log_stream))[call.request_id]
        printed = [line for line in lines if line.startswith(("begin", "end"))]
        assert printed == [f"begin {tag}", f"end {tag}"], f"{tag}'s lines: {lines}"
        assert other not in runtime.log_stream_text(call.log_stream)
    # the function's whole log (its log group) still has every line
    whole = runtime.log_text("app-1a2b3c4")
    assert all(f"{word} {tag}" in whole for word in ("begin", "end") for tag in ("first", "second"))


def test_a_log_stream_stays_readable_after_its_function_is_registered_again(
    runtime: LambdaRuntime, app_zip: Path
) -> None:
    runtime.register(make_spec(app_zip, "chatty"))
    invoke(runtime, "app-1a2b3c4", {"word": "before"})
    runtime.register(make_spec(app_zip, "chatty"))  # a redeploy: the old pool is retired
    invoke(runtime, "app-1a2b3c4", {"word": "after"})

    before, after = runtime.invocations()
    assert "printed line before" in runtime.log_stream_text(before.log_stream)
    assert "printed line after" in runtime.log_stream_text(after.log_stream)
    assert "before" not in runtime.log_text("app-1a2b3c4")  # the function's log is its current deployment's
    with pytest.raises(KeyError, match="no log stream"):
        runtime.log_stream_text("2026/12/07/[$LATEST]" + "0" * 32)


def test_timeout_kills_the_worker_and_the_next_invocation_gets_a_fresh_one(
    runtime: LambdaRuntime, app_zip: Path, tmp_path: Path
) -> None:
    runtime.register(make_spec(app_zip, "sleep", timeout_seconds=0.5))
    pid_file = tmp_path / "pid"

    result, body = invoke(runtime, "app-1a2b3c4", {"pid_file": str(pid_file), "seconds": 30})

    assert result.function_error == "Unhandled"
    assert body == {"errorType": "Sandbox.Timedout", "errorMessage": "Task timed out after 0.50 seconds"}
    timed_out_pid = int(pid_file.read_text())
    assert not running(timed_out_pid)
    assert "Task timed out after 0.50 seconds" in runtime.log_text("app-1a2b3c4")
    again, pid = invoke(runtime, "app-1a2b3c4", {"pid_file": str(pid_file), "seconds": 0})
    assert again.function_error is None
    assert pid != timed_out_pid


def test_handler_exception_is_unhandled_with_its_class_name_and_stack_trace(
    runtime: LambdaRuntime, app_zip: Path
) -> None:
    runtime.register(make_spec(app_zip, "fail"))

    result, body = invoke(runtime, "app-1a2b3c4", {"item": 7})

    assert (result.status_code, result.function_error) == (200, "Unhandled")
    assert body["errorType"] == "InvalidEvent"
    assert body["errorMessage"] == "event.item: expected a string, got 7"
    assert len(body["stackTrace"]) == 1  # only the handler's own frame, not the worker's
    assert "app.py" in body["stackTrace"][0] and "in fail" in body["stackTrace"][0]
    assert "[ERROR] InvalidEvent: event.item: expected a string, got 7" in runtime.log_text("app-1a2b3c4")


@pytest.mark.parametrize(
    ("files", "handler", "error_type", "message"),
    [
        (
            {"app.py": "import not_bundled\n"},
            "app.handler",
            "Runtime.ImportModuleError",
            "No module named 'not_bundled'",
        ),
        ({"app.py": "x = 1\n"}, "app.handler", "Runtime.HandlerNotFound", "Handler 'handler' missing on module 'app'"),
        ({"app.py": "def handler(:\n"}, "app.handler", "Runtime.UserCodeSyntaxError", "Syntax error in module 'app'"),
        ({"app.py": "x = 1\n"}, "handler", "Runtime.MalformedHandlerName", "Bad handler 'handler'"),
        ({"pkg/__init__.py": "", "pkg/mod.py": "def handler(e, c):\n    return 'deep'\n"}, "pkg.mod.handler", None, ""),
        (  # a package whose modules import each other absolutely, as the seed handlers' archives hold them
            {"pkg/__init__.py": "", "pkg/names.py": "NAME = 'deep'\n", "pkg/mod.py": ABSOLUTE_IMPORT},
            "pkg.mod.handler",
            None,
            "",
        ),
    ],
)
def test_handler_that_cannot_be_loaded_fails_like_lambda_init(
    runtime: LambdaRuntime, tmp_path: Path, files: dict[str, str], handler: str, error_type: str | None, message: str
) -> None:
    runtime.register(replace(make_spec(build_zip(tmp_path, files), "unused"), handler=handler))

    for _ in range(2):  # a failed init is retried on the next invocation, on a fresh worker
        result, body = invoke(runtime, "app-1a2b3c4", {})

        if error_type is None:
            assert (result.function_error, body) == (None, "deep")
        else:
            assert result.function_error == "Unhandled"
            assert body["errorType"] == error_type
            assert message in body["errorMessage"]


def test_result_that_is_not_json_is_a_marshal_error_but_decimals_are_numbers(
    runtime: LambdaRuntime, app_zip: Path
) -> None:
    runtime.register(make_spec(app_zip, "unserializable"))
    runtime.register(make_spec(app_zip, "decimal_result", name="decimal"))

    result, body = invoke(runtime, "app-1a2b3c4", {})
    decimal_result, decimal_body = invoke(runtime, "decimal-1a2b3c4", {})

    assert result.function_error == "Unhandled"
    assert body["errorType"] == "Runtime.MarshalError"
    assert "set is not JSON serializable" in body["errorMessage"]
    assert (decimal_result.function_error, decimal_body) == (None, {"count": 3, "ratio": 0.5})


def test_worker_that_exits_is_an_exit_error_and_is_replaced(runtime: LambdaRuntime, app_zip: Path) -> None:
    runtime.register(make_spec(app_zip, "exit_hard"))
    runtime.register(make_spec(app_zip, "describe", name="other"))

    result, body = invoke(runtime, "app-1a2b3c4", {})
    again, _ = invoke(runtime, "app-1a2b3c4", {})

    assert result.function_error == "Unhandled"
    assert body["errorType"] == "Runtime.ExitError"
    assert body["errorMessage"].endswith("Runtime exited with error: exit status 3")
    assert again.function_error == "Unhandled"  # a fresh worker ran it again rather than a dead one hanging
    assert invoke(runtime, "other-1a2b3c4", {})[0].function_error is None


def test_every_invocation_is_recorded_in_start_order(runtime: LambdaRuntime, app_zip: Path) -> None:
    runtime.register(make_spec(app_zip, "fail", name="failing"))
    runtime.register(make_spec(app_zip, "chatty", name="chatty"))

    invoke(runtime, "chatty-1a2b3c4", {"word": "one"})
    invoke(runtime, "failing-1a2b3c4", {"item": None})
    raw = runtime.invoke("chatty-1a2b3c4", b"not json")

    first, second, third = runtime.invocations()
    assert first.function == "chatty-function"
    assert (first.event, first.error, first.result) == ({"word": "one"}, None, {"word": "one"})
    assert first.started_at <= first.ended_at <= second.started_at <= second.ended_at <= third.started_at
    assert second.function == "failing-function"
    assert second.error == {"errorType": "InvalidEvent", "errorMessage": "event.item: expected a string, got null"}
    assert third.event == "not json"
    assert raw.function_error == "Unhandled"
    assert third.error is not None and third.error["errorType"] == "Runtime.UnmarshalError"
    runtime.invocations().clear()
    assert len(runtime.invocations()) == 3  # a copy


def test_register_replaces_the_spec_and_retires_its_workers(
    runtime: LambdaRuntime, tmp_path: Path, app_zip: Path
) -> None:
    runtime.register(make_spec(app_zip, "describe"))
    old_pid = invoke(runtime, "app-1a2b3c4", {})[1]["pid"]
    new_zip = build_zip(tmp_path, {"app.py": "def describe(event, context):\n    return 'version two'\n"}, "v2.zip")

    runtime.register(make_spec(new_zip, "describe"))

    assert invoke(runtime, "app-1a2b3c4", {})[1] == "version two"
    assert wait_until(lambda: not running(old_pid))


def test_close_terminates_every_worker(tmp_path: Path, app_zip: Path) -> None:
    runtime = LambdaRuntime(tmp_path / "runtime")
    runtime.register(make_spec(app_zip, "describe"))
    runtime.register(make_spec(app_zip, "sleep", name="busy"))
    idle_pid = invoke(runtime, "app-1a2b3c4", {})[1]["pid"]
    pid_file = tmp_path / "pid"
    busy = threading.Thread(target=invoke, args=(runtime, "busy-1a2b3c4", {"pid_file": str(pid_file), "seconds": 60}))
    busy.start()
    assert wait_until(pid_file.exists)
    busy_pid = int(pid_file.read_text())

    runtime.close()
    busy.join(5)

    for pid in (idle_pid, busy_pid):
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # killed and reaped, not just signalled
    assert not busy.is_alive()
    with pytest.raises(RuntimeError):
        runtime.invoke("app-1a2b3c4", b"{}")


PARENT_SCRIPT = """
import json, sys, threading
from pathlib import Path
from tools.sandbox.lambda_runtime import FunctionSpec, LambdaRuntime

archive, work_dir, folder = sys.argv[1:4]
runtime = LambdaRuntime(Path(work_dir))
spec = FunctionSpec("app-function", "app", "arn:aws:lambda:us-east-1:123456789012:function:app",
                    Path(archive), "app.meet", {}, timeout_seconds=120, pool_size=2)
runtime.register(spec)
event = {"folder": folder, "peers": 2}
quick = threading.Thread(target=runtime.invoke, args=("app", json.dumps(event).encode()))
quick.start()
runtime.invoke("app", json.dumps({**event, "linger": 100}).encode())
"""


def test_workers_exit_when_the_parent_process_dies(tmp_path: Path, app_zip: Path) -> None:
    folder = tmp_path / "arrivals"
    folder.mkdir()
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT_SCRIPT, str(app_zip), str(tmp_path / "runtime"), str(folder)], cwd=REPO_ROOT
    )
    try:
        assert wait_until(lambda: len(list(folder.iterdir())) == 2)
        pids = [int(path.name.split("-")[0]) for path in folder.iterdir()]
        assert all(running(pid) for pid in pids)  # one worker idle again, one lingering in its handler
    finally:
        parent.kill()
        parent.wait()

    assert wait_until(lambda: not any(running(pid) for pid in pids))
