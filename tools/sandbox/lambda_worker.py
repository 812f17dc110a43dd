"""One Lambda execution environment: imports a function's handler once and serves its invocations over a pipe.

`LambdaRuntime` starts it as `pythonX.Y -I -S -u lambda_worker.py <handler>` (the Python the function's runtime
names) in the extracted archive (LAMBDA_TASK_ROOT), with stdin/stdout as the protocol pipes and stderr as the
function's log. Its import path is the archive, then LAMBDA_RUNTIME_DIR (the packages Lambda's runtime provides:
boto3 and its dependencies), then the standard library, as in Lambda; nothing of the sandbox's own environment. It
imports only the standard library and runs on Python 3.9 to 3.14. Messages are one JSON object per line:

- worker -> runtime, once: `{"initError": null | {errorType, errorMessage, stackTrace}}`, after importing the handler
- runtime -> worker: `{"requestId", "invokedFunctionArn", "deadlineMs", "payload": "<JSON text>"}`, and an
  injected fault to carry out first, if any: `"fault": {"delaySeconds": n}` or `"fault": {"crash": "exit" | "oom"}`
- worker -> runtime: `{"payload": "<JSON text>", "functionError": bool}`
"""

from __future__ import annotations

import decimal
import importlib
import ipaddress
import json
import logging
import os
import queue
import signal
import socket
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

Handler = Callable[[Any, Any], Any]
LOG_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s"


class SandboxNetworkBlocked(PermissionError):
    """A handler tried to reach beyond this machine; the sandbox never touches real AWS or the internet."""


@dataclass
class LambdaContext:
    """The context object the Python runtime passes to a handler (the attributes handlers and Powertools read)."""

    function_name: str
    function_version: str
    invoked_function_arn: str
    memory_limit_in_mb: str  # a string, as the Python runtime reads it from AWS_LAMBDA_FUNCTION_MEMORY_SIZE
    aws_request_id: str
    log_group_name: str
    log_stream_name: str
    deadline_ms: int
    identity: Any = None
    client_context: Any = None

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self.deadline_ms - int(time.time() * 1000))


class _RequestIdFilter(logging.Filter):
    """Stamps each log record with the request being served, as Lambda's log format shows it."""

    request_id = ""

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = self.request_id
        return True


def is_loopback(host: object) -> bool:
    """Whether a socket address host names this machine (127.0.0.0/8, ::1, localhost)."""
    if host is None:
        return True  # getaddrinfo(None, port) asks for the local wildcard or loopback address
    text = (host.decode() if isinstance(host, bytes) else str(host)).strip("[]").split("%")[0]
    if text.lower() == "localhost":
        return True
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return bool((mapped or address).is_loopback)


def install_network_guard() -> None:
    """Make every connection or lookup of a non-loopback address raise `SandboxNetworkBlocked`."""
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex
    original_sendto = socket.socket.sendto
    original_getaddrinfo = socket.getaddrinfo

    def check(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not is_loopback(address[0]):
            raise SandboxNetworkBlocked(
                f"sandbox network guard: {address[0]}:{address[1]} is not reachable; "
                "only 127.0.0.1 and ::1 (the embedded AWS) are"
            )

    def connect(self: Any, address: Any) -> None:
        check(self, address)
        original_connect(self, address)

    def connect_ex(self: Any, address: Any) -> int:
        check(self, address)
        return original_connect_ex(self, address)

    def sendto(self: Any, data: Any, *flags_and_address: Any) -> int:
        check(self, flags_and_address[-1])
        return original_sendto(self, data, *flags_and_address)

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if not is_loopback(host):
            raise SandboxNetworkBlocked(f"sandbox network guard: {host}:{port} is not reachable; only localhost is")
        return original_getaddrinfo(host, port, *args, **kwargs)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.socket.sendto = sendto  # type: ignore[method-assign]
    socket.getaddrinfo = getaddrinfo


def error_body(error_type: str, message: str, stack_trace: list[str] | None = None) -> dict[str, Any]:
    return {"errorMessage": message, "errorType": error_type, "stackTrace": stack_trace or []}


def exception_body(error: BaseException) -> dict[str, Any]:
    """The payload Lambda returns for an exception: message, class name (what a Catch matches) and user frames."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename != __file__]
    return error_body(type(error).__name__, str(error), traceback.format_list(frames))


def log_error(body: dict[str, Any]) -> None:
    trace = "".join(body["stackTrace"])
    print(f"[ERROR] {body['errorType']}: {body['errorMessage']}\nTraceback (most recent call last):\n{trace}".rstrip())


def load_handler(handler: str) -> tuple[Handler | None, dict[str, Any] | None]:
    """Import the handler's module from the task root; the errors mirror the Python runtime's init errors."""
    module_name, dot, function_name = handler.rpartition(".")
    if not dot or not module_name:
        return None, error_body(
            "Runtime.MalformedHandlerName", f"Bad handler '{handler}': not enough values to unpack (expected 2, got 1)"
        )
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as error:
        return None, error_body("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {error}")
    except SyntaxError as error:
        trace = [f'  File "{error.filename}" Line {error.lineno}\n    {error.text}']
        return None, error_body(
            "Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {error}", trace
        )
    except Exception as error:  # module code that raises fails init with its own error, as in Lambda
        return None, exception_body(error)
    function = getattr(module, function_name, None)
    if not callable(function):
        return None, error_body(
            "Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_name}'"
        )
    return function, None


def _json_default(value: object) -> object:
    # the Python runtime serializes Decimal (what boto3's DynamoDB resource returns) as a JSON number
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def run_handler(handler: Handler, payload: str, context: LambdaContext) -> tuple[str, bool]:
    """Call the handler with the decoded event; return the JSON response and whether it is a function error."""
    try:
        event = json.loads(payload) if payload.strip() else {}
    except ValueError as error:
        body = error_body("Runtime.UnmarshalError", f"Unable to unmarshal input: {error}")
    else:
        try:
            result = handler(event, context)
        except Exception as error:
            body = exception_body(error)
        else:
            try:
                return json.dumps(result, default=_json_default), False
            except (TypeError, ValueError) as error:
                body = error_body("Runtime.MarshalError", f"Unable to marshal response: {error}")
    log_error(body)
    return json.dumps(body), True


def carry_out_fault(fault: dict[str, Any] | None) -> None:
    """An injected fault, inside the invocation: latency that eats into the deadline, or the process dying."""
    if not fault:
        return
    time.sleep(float(fault.get("delaySeconds", 0)))
    if fault.get("crash") == "exit":
        sys.stdout.flush()
        os._exit(1)
    if fault.get("crash") == "oom":  # Lambda kills an environment over its memory size with SIGKILL
        sys.stdout.flush()
        os.kill(os.getpid(), signal.SIGKILL)


def _read_requests(stream: IO[bytes], inbox: queue.Queue[bytes]) -> None:
    for line in stream:
        inbox.put(line)
    os._exit(0)  # the runtime closed the pipe or died: an orphaned environment must not linger


def _claim_protocol_pipes() -> tuple[IO[bytes], IO[bytes]]:
    """Keep stdin/stdout for the protocol on private descriptors; fd 1 becomes the log, so prints cannot corrupt it."""
    requests = os.fdopen(os.dup(0), "rb")
    responses = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    return requests, responses


def set_import_path() -> None:
    """The archive first, then the runtime's packages, then the standard library (`-S`: no site-packages), as
    Lambda's /var/task and /var/runtime; and the `exit`/`quit`/`help` builtins that `site` would add."""
    import site  # with -S, importing it adds no folder to sys.path

    folders = (os.environ["LAMBDA_TASK_ROOT"], os.environ.get("LAMBDA_RUNTIME_DIR"))
    sys.path[:0] = [folder for folder in folders if folder]
    for add_builtins in ("setquit", "setcopyright", "sethelper"):
        getattr(site, add_builtins, lambda: None)()


def peak_memory_mb() -> int:
    """This process's peak resident size (VmHWM), in MB: its own since it started, as Lambda reports an execution
    environment's. (`getrusage`'s ru_maxrss would be the sandbox's size when it forked the worker.)"""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0


def _configure_logging(request_filter: _RequestIdFilter) -> None:
    handler = logging.StreamHandler(sys.stdout)
    formatter = logging.Formatter(LOG_FORMAT, "%Y-%m-%dT%H:%M:%S")
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    handler.addFilter(request_filter)
    logging.getLogger().addHandler(handler)


def main(handler_name: str) -> None:
    requests, responses = _claim_protocol_pipes()

    def send(message: dict[str, Any]) -> None:
        responses.write(json.dumps(message).encode() + b"\n")
        responses.flush()

    inbox: queue.Queue[bytes] = queue.Queue()
    threading.Thread(target=_read_requests, args=(requests, inbox), daemon=True).start()
    install_network_guard()
    request_filter = _RequestIdFilter()
    _configure_logging(request_filter)
    set_import_path()
    function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
    memory = os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]
    log_stream = f"{time.strftime('%Y/%m/%d', time.gmtime())}/[$LATEST]{uuid.uuid4().hex}"
    handler, init_error = load_handler(handler_name)
    if init_error is not None or handler is None:
        log_error(init_error or {})
        send({"initError": init_error})
        return
    send({"initError": None})
    while True:
        request = json.loads(inbox.get())
        request_id = request["requestId"]
        request_filter.request_id = request_id
        context = LambdaContext(
            function_name=function_name,
            function_version="$LATEST",
            invoked_function_arn=request["invokedFunctionArn"],
            memory_limit_in_mb=memory,
            aws_request_id=request_id,
            log_group_name=f"/aws/lambda/{function_name}",
            log_stream_name=log_stream,
            deadline_ms=request["deadlineMs"],
        )
        print(f"START RequestId: {request_id} Version: $LATEST")
        started = time.monotonic()
        carry_out_fault(request.get("fault"))
        payload, function_error = run_handler(handler, request["payload"], context)
        duration_ms = (time.monotonic() - started) * 1000
        max_memory_mb = peak_memory_mb()
        print(f"END RequestId: {request_id}")
        print(
            f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms"
            f"\tBilled Duration: {int(duration_ms) + 1} ms\tMemory Size: {memory} MB"
            f"\tMax Memory Used: {max_memory_mb} MB"
        )
        sys.stdout.flush()
        send({"payload": payload, "functionError": function_error})


if __name__ == "__main__":
    main(sys.argv[1])
