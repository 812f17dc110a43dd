"""The sandbox console in a real browser, on the repository's sandbox made ready as `serve` makes it: map-fan-out
started from its preset (no list loaded by hand) and watched to its end, the seed's 2 s gaps on the timeline at
concurrency 1 and parallel starts at 3, a failed state's cause, an input holding <script> shown as text, a bad ARN's
404, and a running execution's polls reading only its new events."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from itertools import pairwise
from typing import Any
from urllib.parse import unquote

import pytest
import requests
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from tools.load_ddb import write_list
from tools.sandbox.console import ConsoleServer
from tools.sandbox.console.app import create_app
from tools.sandbox.faults import Fault
from tools.sandbox.prices import DOLLARS_PER_TRANSITION, LAMBDA_GB_SECOND, LAMBDA_REQUEST
from tools.sandbox.session import Sandbox
from tools.sandbox.walkthroughs import serve_ready
from tools.sandbox.workflows import DATA, read_items

pytestmark = pytest.mark.e2e
#: The seed's concurrency 1 and 2 s wait, with only three items.
TOPICS = ["Computer Science", "Economics", "Mathematics"]
SCRIPT = "<script>alert('console')</script>"
#: An item the seed's log-item Lambda refuses (InvalidEvent): caught in its iteration, the execution then fails.
BAD_ITEM = ["not", "one", "item"]
THROTTLED_ONCE = Fault.error("map-fan-out-to-plain-json-function", "Lambda.TooManyRequestsException", times=1)


@pytest.fixture(scope="module")
def console() -> Iterator[tuple[Sandbox, str]]:
    """map-fan-out deployed at the seed's concurrency 1 and 2 s wait, made ready as `python -m tools.sandbox serve`
    makes it (its list loaded, its walkthrough's presets on its page)."""
    overrides = {"workflows": "map-fan-out", "maxConcurrency": "1", "waitDurationSeconds": "2"}
    with Sandbox(overrides=overrides) as sandbox, ConsoleServer(sandbox, presets=serve_ready(sandbox).presets) as web:
        yield sandbox, web.url


def _list(sandbox: Sandbox, items: list[Any]) -> None:
    write_list(sandbox.client("dynamodb"), sandbox.outputs["mapFanOutTableName"], items)


def _drawn(browser: Any) -> None:
    WebDriverWait(browser, 10).until(lambda b: b.execute_script("return document.body.dataset.diagrams") == "drawn")


def _statuses(browser: Any) -> dict[str, str]:
    return dict(
        browser.execute_script(
            "return Array.from(document.querySelectorAll('.diagram g[data-status]'))"
            ".map(g => [g.dataset.stateId, g.dataset.status])"
        )
    )


def _start_from_the_form(browser: Any, url: str, sandbox: Sandbox, text: str) -> None:
    browser.get(url + "state-machines/" + sandbox.outputs["mapFanOutStateMachineArn"])
    _drawn(browser)
    box = browser.find_element(By.ID, "input")
    box.clear()
    box.send_keys(text)
    browser.find_element(By.ID, "start").click()


def _finished(browser: Any, status: str, timeout: float = 30) -> None:
    """The page reloads itself once its polling sees the end: nothing here refreshes it."""
    WebDriverWait(browser, timeout, poll_frequency=0.1).until(
        lambda b: (
            b.execute_script(
                "const shown = document.getElementById('execution-status');"
                "return document.body.dataset.diagrams === 'drawn' && shown ? shown.textContent : ''"
            ).strip()
            == status
        )
    )


@pytest.fixture(scope="module")
def concurrency_one(browser: Any, console: tuple[Sandbox, str], screenshot: Any) -> str:
    """map-fan-out started from its page's preset, its table holding the seed's list as `serve` loaded it (nothing
    loaded by hand): the execution page it leads to."""
    sandbox, url = console
    browser.get(url + "state-machines/" + sandbox.outputs["mapFanOutStateMachineArn"])
    _drawn(browser)
    preset = Select(browser.find_element(By.ID, "preset"))
    assert preset.first_selected_option.text.startswith("concurrency 1, wait 2 s"), preset.first_selected_option.text
    assert json.loads(browser.find_element(By.ID, "input").get_attribute("value")) == {}
    screenshot("start-form")
    browser.find_element(By.ID, "start").click()
    WebDriverWait(browser, 10).until(lambda b: "/executions/" in b.current_url)
    _drawn(browser)
    assert "RUNNING" in browser.find_element(By.ID, "execution-status").text
    WebDriverWait(browser, 10, poll_frequency=0.1).until(lambda b: "running" in _statuses(b).values())
    screenshot("running")
    _finished(browser, "SUCCEEDED")
    return str(browser.current_url)


def test_map_fan_out_started_from_its_preset_turns_its_states_succeeded(
    browser: Any, console: tuple[Sandbox, str], concurrency_one: str, screenshot: Any
) -> None:
    sandbox, _ = console
    statuses = _statuses(browser)
    entered = ["ReadList", "ListFound", "ToPlainJson", "ProcessItems", "LogItem", "WithinTolerance_", "Done"]
    assert {state: statuses.get(state) for state in entered} == dict.fromkeys(entered, "succeeded"), statuses
    assert statuses["ListNotFound"] == statuses["ItemsFailed"] == "not-entered"
    browser.find_element(By.CSS_SELECTOR, '.diagram g[data-state-id="LogItem"]').click()
    panel = browser.find_element(By.ID, "panel-LogItem")
    assert panel.is_displayed()
    runs = panel.find_elements(By.CSS_SELECTOR, "details.run > summary")
    assert [run.get_attribute("textContent").split(" · ")[0].strip() for run in runs] == [
        "ProcessItems #0",
        "ProcessItems #1",
        "ProcessItems #2",
    ]
    logs = " ".join(pre.get_attribute("textContent") for pre in panel.find_elements(By.CLASS_NAME, "log-lines"))
    assert all(f'item: "{topic}"' in logs for topic in TOPICS), logs
    assert logs.count("REPORT RequestId:") == 3
    assert browser.find_element(By.ID, "lambda-requests").text == "4"  # ToPlainJson, then one per topic
    execution_arn = unquote(concurrency_one.rsplit("/", 1)[1])
    transitions = int(browser.find_element(By.ID, "transitions").text)
    assert transitions == sandbox.state_transitions(execution_arn) == 12  # 4, then Wait and LogItem 3 times, 2
    gb_seconds = float(browser.find_element(By.ID, "gb-seconds").text)
    memory_gb = {spec.function_name: spec.memory_mb / 1024 for spec in sandbox.mocks.functions.values()}
    assert gb_seconds >= sum(memory_gb.values()) * 0.001, "each function billed at least 1 ms at its memory"
    expected = transitions * DOLLARS_PER_TRANSITION + 4 * LAMBDA_REQUEST + gb_seconds * LAMBDA_GB_SECOND["x86_64"]
    assert float(browser.find_element(By.ID, "dollars").text.lstrip("$")) == pytest.approx(expected, abs=1e-8)
    screenshot("execution")


def test_the_timeline_shows_concurrency_one_items_two_seconds_apart(
    browser: Any, concurrency_one: str, screenshot: Any
) -> None:
    bars = browser.execute_script(
        "return Array.from(document.querySelectorAll('.bar-row')).map(row => {"
        " const bar = row.querySelector('.bar'), track = row.querySelector('.bar-track').getBoundingClientRect();"
        " return {label: row.querySelector('.bar-label').textContent, start: parseFloat(bar.dataset.start),"
        " x: bar.getBoundingClientRect().left - track.left, width: track.width}; })"
    )
    items = [bar for bar in bars if bar["label"].startswith("LogItem")]
    assert len(items) == 3, bars
    gaps = [later["start"] - earlier["start"] for earlier, later in pairwise(items)]
    assert all(gap >= 1.9 for gap in gaps), gaps
    assert items[0]["start"] >= 1.9, "the first item also waits 2 s"
    # Drawn where they started: pixel gaps in proportion to the time gaps.
    span = float(re.search(r"over the execution's ([\d.]+) s", browser.page_source).group(1))
    for earlier, later in pairwise(items):
        drawn = (later["x"] - earlier["x"]) / later["width"] * span
        assert abs(drawn - (later["start"] - earlier["start"])) < 0.05 * span, (drawn, earlier, later)
    browser.execute_script("document.getElementById('timeline').scrollIntoView()")
    screenshot("timeline")


def test_the_seeds_list_is_in_the_table_and_the_presets_are_the_walkthroughs_steps(
    browser: Any, console: tuple[Sandbox, str], concurrency_one: str
) -> None:
    sandbox, url = console
    rows = sandbox.client("dynamodb").scan(TableName=sandbox.outputs["mapFanOutTableName"])["Items"]
    assert len(rows) == 1 and [item["S"] for item in rows[0]["items"]["L"]] == TOPICS, rows
    browser.get(url + "state-machines/" + sandbox.outputs["mapFanOutStateMachineArn"])
    _drawn(browser)
    names = [option.text for option in Select(browser.find_element(By.ID, "preset")).options]
    assert names[0] == "(my own, by StartExecution)"
    assert names[1:] == [
        "concurrency 1, wait 2 s / concurrency 3 [serve --config maxConcurrency=3] / wait 5 s > timeout 3 s "
        "[serve --config waitDurationSeconds=5 --config timeoutDurationSeconds=3]"
    ], "one input, {}, for the steps of seed 000 that read the seed's list; each step's config where it differs"


def _bars(browser: Any) -> list[dict[str, Any]]:
    return list(
        browser.execute_script(
            "return Array.from(document.querySelectorAll('.bar-row')).map(row => {"
            " const bar = row.querySelector('.bar'), track = row.querySelector('.bar-track').getBoundingClientRect();"
            " return {label: row.querySelector('.bar-label').textContent, start: parseFloat(bar.dataset.start),"
            " x: bar.getBoundingClientRect().left - track.left, width: track.width}; })"
        )
    )


def test_the_timeline_shows_concurrency_three_items_starting_together(
    browser: Any, console: tuple[Sandbox, str], concurrency_one: str, screenshot: Any
) -> None:
    """The seed's next step: maxConcurrency 3, deployed again. Here the same definition with MaxConcurrency 3, as
    `serve --config maxConcurrency=3` deploys it, beside the first (one sandbox per process)."""
    sandbox, url = console
    sfn = sandbox.client("stepfunctions")
    deployed = sfn.describe_state_machine(stateMachineArn=sandbox.outputs["mapFanOutStateMachineArn"])
    definition = json.loads(deployed["definition"])
    assert definition["States"]["ProcessItems"]["MaxConcurrency"] == 1
    definition["States"]["ProcessItems"]["MaxConcurrency"] = 3
    machine = sfn.create_state_machine(
        name="map-fan-out-concurrency-3", definition=json.dumps(definition), roleArn=deployed["roleArn"]
    )["stateMachineArn"]
    browser.get(url + "state-machines/" + machine)
    _drawn(browser)
    browser.find_element(By.ID, "start").click()  # input {}: the list is the table's
    WebDriverWait(browser, 10).until(lambda b: "/executions/" in b.current_url)
    _finished(browser, "SUCCEEDED")
    items = [bar for bar in _bars(browser) if bar["label"].startswith("LogItem")]
    assert len(items) == 3, items
    starts = [bar["start"] for bar in items]
    assert max(starts) - min(starts) < 0.5, starts
    assert min(starts) >= 1.9, "each item waits its 2 s, all at once"
    assert max(bar["x"] for bar in items) - min(bar["x"] for bar in items) < 0.05 * items[0]["width"]
    browser.execute_script("document.getElementById('timeline').scrollIntoView()")
    screenshot("timeline-concurrency-3")
    # each item's panel names its environment's log stream and shows the lines of that item's invocation alone
    browser.find_element(By.CSS_SELECTOR, '.diagram g[data-state-id="LogItem"]').click()
    panel = browser.find_element(By.ID, "panel-LogItem")
    streams = [code.get_attribute("textContent") for code in panel.find_elements(By.CLASS_NAME, "log-stream")]
    assert len(streams) == 3 and all(re.fullmatch(r"\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}", s) for s in streams)
    logs = [pre.get_attribute("textContent") for pre in panel.find_elements(By.CLASS_NAME, "log-lines")]
    assert sorted(text.count('item: "') for text in logs) == [1, 1, 1], logs
    assert all(text.count("START RequestId:") == 1 for text in logs), logs


def _started(sandbox: Sandbox, name: str, definition: dict[str, Any]) -> str:
    """An execution (input `{}`) of a state machine of the test's own, deployed with map-fan-out's role."""
    sfn = sandbox.client("stepfunctions")
    role = sfn.describe_state_machine(stateMachineArn=sandbox.outputs["mapFanOutStateMachineArn"])["roleArn"]
    machine = sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=role)
    execution: str = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input="{}")["executionArn"]
    return execution


def _until(condition: Any, seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"not within {seconds} s"
        time.sleep(0.05)


#: A Wait, then a long one: the page polls while the first ends and the second starts.
TWO_WAITS = {
    "StartAt": "Short",
    "States": {
        "Short": {"Type": "Wait", "Seconds": 1, "Next": "Long"},
        "Long": {"Type": "Wait", "Seconds": 60, "End": True},
    },
}


def test_a_running_executions_polls_read_only_the_events_after_those_read_before(
    console: tuple[Sandbox, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox, _ = console
    execution = _started(sandbox, "console-two-waits", TWO_WAITS)
    fetched: list[int] = []
    read = sandbox.history_after

    def counted(arn: str, after_id: int = 0) -> list[dict[str, Any]]:
        events = read(arn, after_id)
        fetched.append(len(events))
        return events

    api_reads: list[str] = []
    client = sandbox.client

    def counting_client(service: str) -> Any:
        made = client(service)
        made.meta.events.register("before-call.sfn.GetExecutionHistory", lambda **_: api_reads.append("read"))
        return made

    monkeypatch.setattr(sandbox, "history_after", counted)
    monkeypatch.setattr(sandbox, "client", counting_client)
    page = create_app(sandbox).test_client()

    def poll() -> dict[str, Any]:
        return dict(page.get(f"/executions/{execution}/status.json").get_json())

    _until(lambda: poll()["states"]["Short"] == "running")
    before = len(fetched)
    assert [poll()["states"] for _ in range(2)] == [{"Short": "running", "Long": "not-entered"}] * 2
    assert fetched[before:] == [0, 0], "nothing new while it waits: nothing read"
    _until(lambda: poll()["states"]["Long"] == "running")
    sandbox.client("stepfunctions").stop_execution(executionArn=execution)
    ended = poll()
    assert ended == {"status": "ABORTED", "states": {"Short": "succeeded", "Long": "failed"}}
    assert api_reads == [], "read from the embedded Step Functions, not its whole GetExecutionHistory each poll"
    history = sandbox.history(execution)
    assert sum(fetched) == len(history), f"each event read once: {fetched} for {len(history)} events"


def test_the_history_read_after_an_event_is_the_apis_history_from_there(
    console: tuple[Sandbox, str], concurrency_one: str
) -> None:
    sandbox, _ = console
    arn = unquote(concurrency_one.rsplit("/", 1)[1])

    def plain(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**event, "timestamp": round(event["timestamp"].timestamp(), 3)} for event in events]

    answered = plain(sandbox.history(arn))
    assert plain(sandbox.history_after(arn)) == answered
    assert plain(sandbox.history_after(arn, 5)) == answered[5:] and answered[5]["id"] == 6


@pytest.fixture(scope="module")
def failed_execution(browser: Any, console: tuple[Sandbox, str]) -> str:
    """map-fan-out on a list whose one item fails, started from the form with an input holding <script>, its first
    ToPlainJson invoke throttled by an injected fault (retried 2 s later)."""
    sandbox, url = console
    _list(sandbox, [BAD_ITEM])
    sandbox.inject(THROTTLED_ONCE)
    try:
        _start_from_the_form(browser, url, sandbox, json.dumps({"note": SCRIPT}))
        WebDriverWait(browser, 10).until(lambda b: "/executions/" in b.current_url)
        _finished(browser, "FAILED")
    finally:
        sandbox.clear_faults()
        _list(sandbox, read_items(DATA / "simplelist.json"))  # the seed's list again, as `serve` loaded it
    browser.refresh()
    _drawn(browser)
    return str(browser.current_url)


def test_selecting_the_failed_state_shows_its_error_and_cause(
    browser: Any, failed_execution: str, screenshot: Any
) -> None:
    statuses = _statuses(browser)
    assert (statuses["ItemsFailed"], statuses["LogItem"], statuses["ItemFailed"]) == ("failed", "caught", "succeeded")
    assert statuses["Done"] == "not-entered"
    browser.find_element(By.CSS_SELECTOR, '.diagram g[data-state-id="ItemsFailed"]').click()
    panel = browser.find_element(By.ID, "panel-ItemsFailed")
    assert panel.is_displayed()
    assert panel.find_element(By.CLASS_NAME, "state-error").text == "ItemsFailed"
    cause = panel.find_element(By.CLASS_NAME, "state-cause").text
    assert cause.startswith("1 of 1 items failed, more than the 0 tolerated"), cause
    assert '"error":"InvalidEvent"' in cause
    browser.execute_script("document.querySelector('.columns').scrollIntoView()")
    screenshot("failed-state")
    browser.find_element(By.CSS_SELECTOR, '.diagram g[data-state-id="LogItem"]').click()
    caught = browser.find_element(By.ID, "panel-LogItem")
    assert caught.find_element(By.CLASS_NAME, "state-error").text == "InvalidEvent"
    assert "[ERROR] InvalidEvent: event: expected one item" in caught.find_element(By.CLASS_NAME, "log-lines").text


def test_the_fault_that_fired_is_listed_and_its_state_shows_as_retried(browser: Any, failed_execution: str) -> None:
    rows = [row.text for row in browser.find_elements(By.CSS_SELECTOR, "#faults .fault-row")]
    assert len(rows) == 1 and "map-fan-out-to-plain-json-function" in rows[0], rows
    assert "error=Lambda.TooManyRequestsException" in rows[0]
    assert _statuses(browser)["ToPlainJson"] == "retried"
    browser.find_element(By.CSS_SELECTOR, '.diagram g[data-state-id="ToPlainJson"]').click()
    panel = browser.find_element(By.ID, "panel-ToPlainJson")
    assert "1 retry" in panel.find_element(By.CSS_SELECTOR, "details.run > summary").text
    attempts = panel.find_elements(By.CLASS_NAME, "attempt")
    assert len(attempts) == 2 and "Lambda.TooManyRequestsException" in attempts[0].text
    assert "Lambda invocation" in attempts[1].text, "the retry ran the function"


def test_an_input_holding_a_script_shows_as_text_and_never_runs(browser: Any, failed_execution: str) -> None:
    with pytest.raises(NoAlertPresentException):
        _ = browser.switch_to.alert.text
    scripts = browser.execute_script("return Array.from(document.scripts).map(s => s.src || s.type)")
    assert sorted(scripts) == sorted(
        ["application/json", *(s for s in scripts if s.endswith(("/mermaid.min.js", "/console.js")))]
    ), scripts
    assert len(scripts) == 3, "the page's data, Mermaid and the console's own script: nothing injected"
    browser.find_element(By.CSS_SELECTOR, '.diagram g[data-state-id="ReadList"]').click()
    shown = browser.find_element(By.CSS_SELECTOR, "#panel-ReadList .state-input").text
    assert json.loads(shown) == {"note": SCRIPT}
    served = requests.get(failed_execution, timeout=10).text
    assert "&lt;script&gt;alert(" in served and "<script>alert(" not in served


#: A Parallel state whose one branch ends at once and whose other waits: drawn nested, then stopped from its page.
PARALLEL = {
    "StartAt": "Both",
    "States": {
        "Both": {
            "Type": "Parallel",
            "Branches": [
                {"StartAt": "Quick", "States": {"Quick": {"Type": "Pass", "End": True}}},
                {"StartAt": "Slow", "States": {"Slow": {"Type": "Wait", "Seconds": 60, "End": True}}},
            ],
            "Next": "After",
        },
        "After": {"Type": "Succeed"},
    },
}


def test_a_parallel_states_branches_are_drawn_nested_and_a_running_execution_stops_from_its_page(
    browser: Any, console: tuple[Sandbox, str], screenshot: Any
) -> None:
    sandbox, url = console
    execution = _started(sandbox, "console-parallel", PARALLEL)
    browser.get(url + "executions/" + execution)
    _drawn(browser)
    WebDriverWait(browser, 10, poll_frequency=0.1).until(lambda b: _statuses(b).get("Slow") == "running")
    clusters = browser.find_elements(By.CSS_SELECTOR, '.diagram g.statediagram-cluster[data-state-id="Both"]')
    assert len(clusters) == 1 and {"Quick", "Slow"} <= set(_statuses(browser))
    assert _statuses(browser) == {"Both": "running", "Quick": "succeeded", "Slow": "running", "After": "not-entered"}
    browser.find_element(By.ID, "stop").click()
    _finished(browser, "ABORTED")
    assert _statuses(browser) == {"Both": "failed", "Quick": "succeeded", "Slow": "failed", "After": "not-entered"}
    assert sandbox.client("stepfunctions").describe_execution(executionArn=execution)["status"] == "ABORTED"


def test_the_executions_list_filters_by_status(
    browser: Any, console: tuple[Sandbox, str], concurrency_one: str, failed_execution: str
) -> None:
    sandbox, url = console
    browser.get(url + "state-machines/" + sandbox.outputs["mapFanOutStateMachineArn"])
    _drawn(browser)
    everything = [row.get_attribute("data-status") for row in browser.find_elements(By.CLASS_NAME, "execution-row")]
    assert {"SUCCEEDED", "FAILED"} <= set(everything)
    Select(browser.find_element(By.ID, "status-filter")).select_by_value("FAILED")
    browser.find_element(By.CSS_SELECTOR, "#filter button").click()
    WebDriverWait(browser, 10).until(lambda b: "status=FAILED" in b.current_url)
    failed = [row.get_attribute("data-status") for row in browser.find_elements(By.CLASS_NAME, "execution-row")]
    assert failed == ["FAILED"] * everything.count("FAILED")
    links = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, ".execution-row a")]
    assert failed_execution in links and concurrency_one not in links


def test_bad_json_in_the_start_form_is_named_and_starts_nothing(
    browser: Any, console: tuple[Sandbox, str], screenshot: Any
) -> None:
    sandbox, url = console
    before = len(
        sandbox.client("stepfunctions").list_executions(stateMachineArn=sandbox.outputs["mapFanOutStateMachineArn"])[
            "executions"
        ]
    )
    _start_from_the_form(browser, url, sandbox, '{"items": [1, 2')
    message = WebDriverWait(browser, 10).until(lambda b: b.find_elements(By.ID, "start-error"))[0].text
    assert message.startswith("The input is not JSON: Expecting"), message
    after = sandbox.client("stepfunctions").list_executions(stateMachineArn=sandbox.outputs["mapFanOutStateMachineArn"])
    assert len(after["executions"]) == before


@pytest.mark.parametrize(
    "path",
    [
        "executions/arn:aws:states:us-east-1:123456789012:execution:no-such-machine:no-such-execution",
        "executions/not-an-arn",
        "executions/not-an-arn/status.json",
        "state-machines/arn:aws:states:us-east-1:123456789012:stateMachine:nope",
    ],
)
def test_an_unknown_or_malformed_arn_is_a_404_page(browser: Any, console: tuple[Sandbox, str], path: str) -> None:
    _, url = console
    answer = requests.get(url + path, timeout=10)
    assert answer.status_code == 404
    assert "Traceback" not in answer.text
    browser.get(url + path)
    assert browser.find_element(By.ID, "error-code").text == "404 Not Found"


def test_a_request_for_another_host_or_a_form_from_another_origin_is_refused(console: tuple[Sandbox, str]) -> None:
    sandbox, url = console
    port = url.rsplit(":", 1)[1].strip("/")
    assert requests.get(url, headers={"Host": f"rebound.example:{port}"}, timeout=10).status_code == 400
    start = url + "state-machines/" + sandbox.outputs["mapFanOutStateMachineArn"] + "/executions"
    refused = requests.post(start, data={"input": "{}"}, headers={"Origin": "http://elsewhere.example"}, timeout=10)
    assert refused.status_code == 403 and "elsewhere.example" in refused.text


def test_every_page_and_request_stays_on_127_0_0_1(
    browser: Any, console: tuple[Sandbox, str], concurrency_one: str, failed_execution: str, screenshot: Any
) -> None:
    sandbox, url = console
    browser.get_log("performance")  # what earlier tests did is not this test's
    pages = [url, url + "state-machines/" + sandbox.outputs["mapFanOutStateMachineArn"], concurrency_one]
    pages += [failed_execution, url + "executions/not-an-arn"]
    for page in pages:
        answer = requests.get(page, timeout=10)
        foreign = [u for u in re.findall(r"https?://[^\s\"'<>]+", answer.text) if not u.startswith("http://127.0.0.1")]
        assert foreign == [], (page, foreign)
        browser.get(page)
        if "not-an-arn" not in page:
            _drawn(browser)
    requested = [
        json.loads(entry["message"])["message"]["params"]["request"]["url"]
        for entry in browser.get_log("performance")
        if '"Network.requestWillBeSent"' in entry["message"]
    ]
    assert requested and all(u.startswith(url) or u.startswith("data:") for u in requested), requested
    browser.get(url)
    _drawn(browser)
    screenshot("state-machines")
