"""The console's pages: state machines, their executions, an execution's graph, states, history, timeline and cost."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError
from flask import Flask, Response, abort, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from ...diagram.mermaid import render_with_ids
from ..session import ExecutionNotStarted
from .cost import estimate, largest_payload
from .execution import NOT_ENTERED, STATUSES, ExecutionView, HistoryReader, read_history
from .invocations import link

if TYPE_CHECKING:
    from ..faults import FiredFault
    from ..session import Sandbox
    from .presets import Preset

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


@dataclass
class Watched:
    """A running execution the status endpoint follows: its state ids and the history read so far."""

    ids: dict[str, str]
    reader: HistoryReader


class StatusReader:
    """The states' statuses of executions their pages poll, each execution's history read once, event by event: a
    poll reads only the events after those read before (per execution ARN), and nothing once the execution ended."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self._watched: dict[str, Watched] = {}
        self._lock = threading.Lock()

    def statuses(self, arn: str, status: str, start: Any) -> dict[str, str]:
        """`start()` gives the execution's state machine (its definition and state ids) the first time."""
        with self._lock:
            watched = self._watched.get(arn)
            if watched is None:
                machine = start()
                watched = self._watched[arn] = Watched(machine["ids"], HistoryReader(machine["definition"]))
            watched.reader.add(self.sandbox.history_after(arn, watched.reader.last_id))
            if status != "RUNNING":  # its history is complete: the page reloads, and nothing polls it again
                del self._watched[arn]
            view = watched.reader.view(status)
        return {state_id: view.status_of(path) for path, state_id in watched.ids.items()}


def create_app(sandbox: Sandbox, presets: Mapping[str, Sequence[Preset]] | None = None) -> Flask:
    """The console of a running sandbox: everything it shows is read from the sandbox's AWS APIs and Lambda runtime.
    `presets` are each state machine's (by ARN) example inputs, offered by its start form."""
    app = Flask(__name__)
    app.jinja_env.filters["pretty"] = pretty
    app.jinja_env.filters["stamp"] = _stamp
    examples: dict[str, list[Preset]] = {arn: list(given) for arn, given in (presets or {}).items()}
    status_reader = app.extensions["sfn_status_reader"] = StatusReader(sandbox)

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
        source, ids = render_with_ids(definition, styled=not by_status)
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

    def view_of(arn: str) -> tuple[dict[str, Any], dict[str, Any], ExecutionView]:
        described = describe(arn)
        state_machine = machine(described["stateMachineArn"], by_status=True)
        view = read_history(sandbox.history(arn), state_machine["definition"], described["status"])
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
        first = examples.get(arn, [None])[0]
        given = request.args.get("input", first.text if first is not None else "{}")
        return machine_page(arn, given, error=None, status=200, chosen=0 if first is not None else None)[0]

    def machine_page(
        arn: str, input_text: str, error: str | None, status: int, chosen: int | None = None
    ) -> tuple[str, int]:
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
            presets=examples.get(arn, []),
            chosen=chosen,
            presets_data=[preset.as_json() for preset in examples.get(arn, [])],
        )
        return page, status

    def preset_of(arn: str) -> tuple[int | None, Preset | None]:
        """The preset the form was sent with (its index), if any."""
        text = request.form.get("preset", "")
        if not text:
            return None, None
        given = examples.get(arn, [])
        if not text.isdigit() or int(text) >= len(given):
            abort(400, f"preset {text!r} is none of this state machine's {len(given)} presets")
        return int(text), given[int(text)]

    @app.post("/state-machines/<arn>/executions")
    def start(arn: str) -> Any:
        text = request.form.get("input", "").strip() or "{}"
        chosen, preset = preset_of(arn)
        try:
            payload = json.loads(text)
        except ValueError as bad:
            return machine_page(arn, text, f"The input is not JSON: {bad}", 400, chosen)
        machine(arn)  # 404 for an unknown state machine
        if preset is not None and preset.start is not None:  # the workflow's own way: its starter Lambda, its API
            try:
                return redirect(url_for("execution", arn=preset.start(payload)), code=303)
            except ExecutionNotStarted as refused:
                message = f"Not started ({preset.started_by}): {refused.error}: {refused.cause}"
                return machine_page(arn, text, message, 400, chosen)
        try:
            started = sfn().start_execution(stateMachineArn=arn, input=text)
        except ClientError as refused:
            error = refused.response["Error"]
            message = f"StartExecution refused: {error['Code']}: {error['Message']}"
            return machine_page(arn, text, message, 400, chosen)
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
            sandbox.runtime.log_stream_text,
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
        described = describe(arn)
        statuses = status_reader.statuses(
            arn, described["status"], lambda: machine(described["stateMachineArn"], by_status=True)
        )
        return {"status": described["status"], "states": statuses}

    return app
