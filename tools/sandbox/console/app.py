"""The console's pages: state machines, their executions, an execution's graph, states, history, timeline and cost."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError
from flask import Flask, Response, abort, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from ...diagram.mermaid import render_with_ids
from .cost import estimate, largest_payload
from .execution import NOT_ENTERED, STATUSES, ExecutionView, read_history
from .invocations import link

if TYPE_CHECKING:
    from ..faults import FiredFault
    from ..session import Sandbox

EXECUTION_STATUSES = ("RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")
#: Served only to this machine's browser: a page or request naming another host (DNS rebinding) is refused.
LOCAL_HOSTS = ("127.0.0.1", "localhost")
#: Every asset is the package's own: no script, style, font or request may come from elsewhere, and no inline
#: script runs (an execution's data reaches the page's script as JSON, never as code). Mermaid styles its SVG inline.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
#: How often a running execution's page asks for its states' statuses.
POLL_MILLISECONDS = 500


@dataclass(frozen=True)
class Bar:
    """One Lambda invocation on the timeline, placed by its start (seconds after the execution started)."""

    function: str
    state: str
    where: str
    start: float
    duration: float
    left_percent: float
    width_percent: float
    error: str | None


def pretty(text: Any) -> str:
    """JSON text indented for reading; anything else as it is."""
    if text is None:
        return ""
    try:
        return json.dumps(json.loads(text) if isinstance(text, str) else text, indent=2, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(text)


def _stamp(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(seconds)) + f".{int(seconds % 1 * 1000):03d}Z"


def _timeline(view: ExecutionView) -> tuple[list[Bar], float]:
    calls = [(run, attempt) for run, attempt in view.attempts() if attempt.invocation is not None]
    end = max([view.stopped_at or time.time(), *(a.invocation.ended_at for _, a in calls if a.invocation)])
    span = max(end - view.started_at, 0.001)
    bars = []
    for run, attempt in sorted(calls, key=lambda pair: pair[1].invocation.started_at if pair[1].invocation else 0):
        call = attempt.invocation
        assert call is not None
        start, duration = call.started_at - view.started_at, call.ended_at - call.started_at
        bars.append(
            Bar(
                call.function,
                run.name,
                run.where,
                start,
                duration,
                round(100 * start / span, 3),
                round(max(100 * duration / span, 0.5), 3),
                (call.error or {}).get("errorType"),
            )
        )
    return bars, span


def create_app(sandbox: Sandbox) -> Flask:
    """The console of a running sandbox: everything it shows is read from the sandbox's AWS APIs and Lambda runtime."""
    app = Flask(__name__)
    app.jinja_env.filters["pretty"] = pretty
    app.jinja_env.filters["stamp"] = _stamp

    def sfn() -> Any:
        return sandbox.client("stepfunctions")

    def output_names() -> dict[str, str]:
        return {str(value): name for name, value in sandbox.outputs.items() if isinstance(value, str)}

    def machine(arn: str, by_status: bool = False) -> dict[str, Any]:
        """A state machine and its diagram; `by_status` drops the diagram's colours by state type, so that an
        execution's colours say only what happened."""
        try:
            described: dict[str, Any] = sfn().describe_state_machine(stateMachineArn=arn)
        except ClientError:
            abort(404, f"no state machine {arn}")
        definition = json.loads(described["definition"])
        source, ids = render_with_ids(definition)
        if by_status:
            source = "\n".join(
                line for line in source.splitlines() if not line.lstrip().startswith(("classDef ", "class "))
            )
        return {
            "arn": arn,
            "name": described["name"],
            "output": output_names().get(arn, ""),
            "definition": definition,
            "diagram": source,
            "ids": ids,
        }

    def describe(arn: str) -> dict[str, Any]:
        try:
            described: dict[str, Any] = sfn().describe_execution(executionArn=arn)
        except ClientError:  # an unknown or malformed ARN
            abort(404, f"no execution {arn}")
        return described

    def history(arn: str) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        for page in sfn().get_paginator("get_execution_history").paginate(executionArn=arn):
            events.extend(page["events"])
        return events

    def view_of(arn: str) -> tuple[dict[str, Any], dict[str, Any], ExecutionView]:
        described = describe(arn)
        state_machine = machine(described["stateMachineArn"], by_status=True)
        view = read_history(history(arn), state_machine["definition"], described["status"])
        return described, state_machine, view

    def faults_in(view: ExecutionView) -> list[FiredFault]:
        end = (view.stopped_at or time.time()) + 0.1
        return [hit for hit in sandbox.faults_fired() if view.started_at - 0.1 <= hit.at <= end]

    @app.before_request
    def local_only() -> None:
        if request.host.rsplit(":", 1)[0] not in LOCAL_HOSTS:
            abort(400, f"this console answers only on 127.0.0.1, not {request.host}")
        origin = request.headers.get("Origin")
        if request.method == "POST" and origin not in (None, request.host_url.rstrip("/")):
            abort(403, f"a form from {origin} may not act on this console")

    @app.after_request
    def secure_headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"  # "no-referrer" would send its forms with Origin: null
        return response

    @app.errorhandler(HTTPException)
    def error_page(error: HTTPException) -> tuple[str, int]:
        return render_template("error.html", error=error), error.code or 500

    @app.get("/")
    def index() -> str:
        arns = [entry["stateMachineArn"] for entry in sfn().list_state_machines()["stateMachines"]]
        machines = [machine(arn) for arn in arns]
        for found in machines:
            page = sfn().list_executions(stateMachineArn=found["arn"])
            found["executions"] = f"{len(page['executions'])}{'+' if page.get('nextToken') else ''}"
        active = [fault.describe() for fault in sandbox.faults.active()]
        return render_template("index.html", machines=machines, faults=active)

    @app.get("/state-machines/<arn>")
    def state_machine(arn: str) -> str:
        return machine_page(arn, request.args.get("input", "{}"), error=None, status=200)[0]

    def machine_page(arn: str, input_text: str, error: str | None, status: int) -> tuple[str, int]:
        found = machine(arn)
        wanted = request.args.get("status", "")
        if wanted and wanted not in EXECUTION_STATUSES:
            abort(400, f"status {wanted!r} is none of {', '.join(EXECUTION_STATUSES)}")
        arguments: dict[str, Any] = {"stateMachineArn": arn, "maxResults": 1000}
        if wanted:
            arguments["statusFilter"] = wanted
        executions = sfn().list_executions(**arguments)["executions"]
        page = render_template(
            "state_machine.html",
            machine=found,
            executions=executions,
            statuses=EXECUTION_STATUSES,
            wanted=wanted,
            input_text=input_text,
            error=error,
        )
        return page, status

    @app.post("/state-machines/<arn>/executions")
    def start(arn: str) -> Any:
        text = request.form.get("input", "").strip() or "{}"
        try:
            json.loads(text)
        except ValueError as bad:
            return machine_page(arn, text, f"The input is not JSON: {bad}", 400)
        machine(arn)  # 404 for an unknown state machine
        try:
            started = sfn().start_execution(stateMachineArn=arn, input=text)
        except ClientError as refused:
            error = refused.response["Error"]
            return machine_page(arn, text, f"StartExecution refused: {error['Code']}: {error['Message']}", 400)
        return redirect(url_for("execution", arn=started["executionArn"]), code=303)

    @app.post("/executions/<arn>/stop")
    def stop(arn: str) -> Any:
        describe(arn)
        try:
            sfn().stop_execution(executionArn=arn, error="StoppedFromConsole", cause="stopped from the sandbox console")
        except ClientError as refused:
            abort(400, f"StopExecution refused: {refused.response['Error']['Message']}")
        return redirect(url_for("execution", arn=arn), code=303)

    @app.get("/executions/<arn>")
    def execution(arn: str) -> str:
        described, state_machine, view = view_of(arn)
        link(
            (attempt for _, attempt in view.attempts()),
            sandbox.runtime.invocations(),
            sandbox.mocks.functions,
            sandbox.runtime.log_text,
        )
        bars, span = _timeline(view)
        statuses = {state_id: view.status_of(path) for path, state_id in state_machine["ids"].items()}
        return render_template(
            "execution.html",
            execution=described,
            machine=state_machine,
            view=view,
            statuses=statuses,
            legend=(*STATUSES, NOT_ENTERED),
            page_data={"status": described["status"], "states": statuses, "poll": POLL_MILLISECONDS},
            bars=bars,
            span=span,
            cost=estimate(view, sandbox.mocks.functions),
            payload=largest_payload(view.events),
            faults=faults_in(view),
            faults_on=bool(sandbox.faults.active()),
        )

    @app.get("/executions/<arn>/status.json")
    def execution_status(arn: str) -> dict[str, Any]:
        described, state_machine, view = view_of(arn)
        statuses = {state_id: view.status_of(path) for path, state_id in state_machine["ids"].items()}
        return {"status": described["status"], "states": statuses}

    return app
