"""The seed tutorials' walkthroughs as scenarios: what to run, what the tutorial says happens, and the check."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import Any

from components import record_transfer
from components.config import JOB_POLLER_HISTORY, LAMBDA_ITERATOR_HISTORY
from tools.sandbox.session import ExecutionReport, InvocationReport, Sandbox
from tools.sandbox.workflows import (
    DATA,
    EXAMPLES,
    WORKFLOWS,
    StarterRefused,
    Workflow,
    read_items,
    run_workflow,
    start_task,
)


@dataclass(frozen=True)
class Outcome:
    """What a scenario observed and whether it is what the tutorial shows."""

    passed: bool
    observed: str


@dataclass(frozen=True)
class Scenario:
    """One walkthrough step of a seed tutorial."""

    name: str
    workflow: str
    expected: str
    check: Callable[[ExecutionReport], Outcome]
    overrides: dict[str, str] = field(default_factory=dict)
    items_file: str | None = None
    payload: Any = None
    #: Runs after deploy, before the execution (e.g. subscribes a queue to a topic).
    setup: Callable[[Sandbox], None] | None = None
    #: Looks at the embedded AWS after the execution; its outcome must pass too.
    inspect: Callable[[Sandbox, ExecutionReport], Outcome] | None = None
    #: Looks at the embedded AWS while the execution runs (given its ARN); its outcome must pass too.
    during: Callable[[Sandbox, str], Outcome] | None = None


def calls_of(report: ExecutionReport, function: str) -> list[InvocationReport]:
    """The invocations of one function (by logical name), in start order."""
    return sorted((c for c in report.invocations if c.function == function), key=lambda c: c.started_at)


ITEM_FUNCTION = "map-fan-out-log-item-function"
CONSUMER_FUNCTION = "parallel-lambda-log-item-function"
PRODUCER_FUNCTION = "parallel-lambda-produce-list-function"


def _gaps(report: ExecutionReport) -> list[float]:
    starts = [c.started_at for c in calls_of(report, ITEM_FUNCTION)]
    return [later - earlier for earlier, later in pairwise(starts)]


def _one_at_a_time(report: ExecutionReport) -> Outcome:
    calls, gaps = calls_of(report, ITEM_FUNCTION), _gaps(report)
    observed = f"{report.status}, {len(calls)} invocations, gaps {', '.join(f'{g:.2f}' for g in gaps)} s"
    return Outcome(report.status == "SUCCEEDED" and len(calls) == 3 and all(g >= 1.9 for g in gaps), observed)


def _all_at_once(report: ExecutionReport) -> Outcome:
    starts = [c.started_at for c in calls_of(report, ITEM_FUNCTION)]
    spread = max(starts) - min(starts) if starts else float("nan")
    observed = f"{report.status}, {len(starts)} invocations started within {spread:.2f} s"
    return Outcome(report.status == "SUCCEEDED" and len(starts) == 3 and spread < 1.0, observed)


def _plain_objects(report: ExecutionReport) -> Outcome:
    events = [c.event for c in calls_of(report, ITEM_FUNCTION)]
    plain = all(
        isinstance(e, dict) and set(e) == {"topic", "name"} and all(isinstance(v, str) for v in e.values())
        for e in events
    )
    expected_items = read_items(DATA / "listofdicts.json")
    same = sorted(map(str, events)) == sorted(map(str, expected_items))
    observed = f"{report.status}, events: {events}"
    return Outcome(report.status == "SUCCEEDED" and plain and same and len(events) == 3, observed)


def _timed_out(timeout: float, wait: float) -> Callable[[ExecutionReport], Outcome]:
    def check(report: ExecutionReport) -> Outcome:
        ended_as_timeout = report.status == "TIMED_OUT" or (
            report.status == "FAILED" and report.error == "States.Timeout"
        )
        observed = f"{report.status} ({report.error}) after {report.duration_seconds:.2f} s"
        # "At about the timeout": not before it, and well before the three waits would have finished.
        on_time = timeout - 0.1 <= report.duration_seconds < min(timeout + 1.5, 3 * wait)
        return Outcome(ended_as_timeout and on_time, observed)

    return check


def _fruits(report: ExecutionReport) -> Outcome:
    producer, consumer = calls_of(report, PRODUCER_FUNCTION), calls_of(report, CONSUMER_FUNCTION)
    fruits = sorted(str(c.event) for c in consumer)
    observed = f"{report.status}, producer x{len(producer)}, consumer x{len(consumer)}: {', '.join(fruits)}"
    return Outcome(
        report.status == "SUCCEEDED" and len(producer) == 1 and fruits == ["apple", "orange", "pear"], observed
    )


FAILURES_INBOX = "download-failures-inbox"
FLAGS = ["ad", "ae", "af", "ag", "al", "am", "ao", "ar", "at", "au"]


def subscribe_failures_inbox(sandbox: Sandbox, queue: str = FAILURES_INBOX) -> str:
    """A queue on the failures topic stands in for the tutorial's e-mail subscription; returns its URL."""
    sqs = sandbox.client("sqs")
    url = str(sqs.create_queue(QueueName=queue)["QueueUrl"])
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sandbox.client("sns").subscribe(
        TopicArn=sandbox.outputs["downloadFailuresTopicArn"],
        Protocol="sqs",
        Endpoint=arn,
        Attributes={"RawMessageDelivery": "true"},
    )
    return url


def _subscribe_failures_inbox(sandbox: Sandbox) -> None:
    subscribe_failures_inbox(sandbox)


def stored_images(sandbox: Sandbox) -> list[str]:
    """Keys of the downloaded images (the request, batch, result and failures files the workflow keeps are left out)."""
    s3 = sandbox.client("s3")
    bucket = sandbox.outputs["imagesBucketName"]
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    keys = [item["Key"] for page in pages for item in page.get("Contents", [])]
    return sorted(k for k in keys if not k.startswith(("batches/", "results/", "requests/", "failures/")))


def empty_images(sandbox: Sandbox) -> None:
    """Delete every object of the images bucket and every row of the url table: a fresh start for the next run."""
    bucket, table = sandbox.outputs["imagesBucketName"], sandbox.outputs["imageUrlTableName"]
    s3, dynamodb = sandbox.client("s3"), sandbox.client("dynamodb")
    for key in [item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]:
        s3.delete_object(Bucket=bucket, Key=key)
    for url in recorded_urls(sandbox):
        dynamodb.delete_item(TableName=table, Key={"url": {"S": url}})


def recorded_urls(sandbox: Sandbox) -> dict[str, str]:
    """url -> object key rows of the url table."""
    table = sandbox.outputs["imageUrlTableName"]
    items = sandbox.client("dynamodb").scan(TableName=table)["Items"]
    return {item["url"]["S"]: item["key"]["S"] for item in items}


def _flags_stored_and_recorded(sandbox: Sandbox) -> Outcome:
    keys, rows = stored_images(sandbox), recorded_urls(sandbox)
    stored = all(any(key.endswith(f"{flag}/{flag}.gif") for key in keys) for flag in FLAGS)
    recorded = sorted(rows.values()) == keys and all(url.endswith(".gif") for url in rows)
    return Outcome(len(keys) == 10 and stored and recorded, f"{len(keys)} objects, {len(rows)} rows")


def _downloaded_all(report: ExecutionReport) -> Outcome:
    output = report.output if isinstance(report.output, dict) else {}
    observed = f"{report.status}, succeeded {output.get('succeeded')}, failed {output.get('failed')}"
    return Outcome(
        report.status == "SUCCEEDED" and output.get("succeeded") == 10 and output.get("failed") == 0, observed
    )


def _failed_on_zz(report: ExecutionReport) -> Outcome:
    observed = f"{report.status} ({report.error}): {(report.cause or '').splitlines()[:2]}"
    named = "zz/zz.gif" in (report.cause or "")
    return Outcome(report.status == "FAILED" and report.error == "DownloadsFailed" and named, observed)


def _failure_notified(sandbox: Sandbox, report: ExecutionReport) -> Outcome:
    sqs = sandbox.client("sqs")
    url = sqs.get_queue_url(QueueName=FAILURES_INBOX)["QueueUrl"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
    bodies = [message["Body"] for message in messages]
    notified = len(bodies) == 1 and "Could not find" in bodies[0] and "zz/zz.gif" in bodies[0]
    kept = _flags_stored_and_recorded(sandbox)
    return Outcome(notified and kept.passed, f"{len(bodies)} SNS message(s) naming zz: {notified}; {kept.observed}")


SUBMIT_JOB_FUNCTION = "job-poller-submit-job-function"
CHECK_JOB_FUNCTION = "job-poller-check-job-function"
GET_COUNT_FUNCTION = "lambda-iterator-get-count-function"
PROCESS_ITERATION_FUNCTION = "lambda-iterator-process-iteration-function"


def _job_checks(report: ExecutionReport) -> str:
    starts = [c.started_at for c in calls_of(report, CHECK_JOB_FUNCTION)]
    return f"{len(starts)} check-status calls at {', '.join(f'{s:.2f}' for s in starts)} s"


def _job_succeeded_after_two_polls(report: ExecutionReport) -> Outcome:
    output = report.output if isinstance(report.output, dict) else {}
    submitted = [c.result for c in calls_of(report, SUBMIT_JOB_FUNCTION)]
    same_job = len(submitted) == 1 and isinstance(submitted[0], dict) and output.get("jobId") == submitted[0]["jobId"]
    checks = calls_of(report, CHECK_JOB_FUNCTION)  # two polls, then the final-status call
    observed = f"{report.status}, output status {output.get('status')}, {_job_checks(report)}"
    passed = report.status == "SUCCEEDED" and output.get("status") == "SUCCEEDED" and same_job and len(checks) == 3
    return Outcome(passed, observed)


def _job_failed_with_its_reason(reason: str) -> Callable[[ExecutionReport], Outcome]:
    def check(report: ExecutionReport) -> Outcome:
        observed = f"{report.status} {report.error}: {report.cause!r}, {_job_checks(report)}"
        return Outcome(report.status == "FAILED" and report.error == "JobFailed" and report.cause == reason, observed)

    return check


def _poll_limit_exceeded(max_polls: int) -> Callable[[ExecutionReport], Outcome]:
    def check(report: ExecutionReport) -> Outcome:
        checks = calls_of(report, CHECK_JOB_FUNCTION)
        observed = f"{report.status} {report.error} after {report.duration_seconds:.2f} s, {_job_checks(report)}"
        passed = report.status == "FAILED" and report.error == "PollLimitExceeded" and len(checks) == max_polls
        return Outcome(passed, observed)

    return check


def _iterated(iterations: int) -> Callable[[ExecutionReport], Outcome]:
    def check(report: ExecutionReport) -> Outcome:
        counters = [c.event.get("counter") for c in calls_of(report, PROCESS_ITERATION_FUNCTION)]
        observed = f"{report.status}, {len(counters)} process calls (counters {counters}), output {report.output}"
        expected = list(range(iterations, 0, -1))
        passed = report.status == "SUCCEEDED" and counters == expected and report.output == {"counter": 0}
        return Outcome(passed, observed)

    return check


def _history_events(expected: int) -> Callable[[Sandbox, ExecutionReport], Outcome]:
    def inspect(sandbox: Sandbox, report: ExecutionReport) -> Outcome:
        events = len(sandbox.history(report.execution_arn))
        return Outcome(events == expected, f"{events} history events (expected {expected})")

    return inspect


def _invalid_iterations(report: ExecutionReport) -> Outcome:
    processed = calls_of(report, PROCESS_ITERATION_FUNCTION)
    observed = f"{report.status} {report.error}: {report.cause!r}, {len(processed)} process calls"
    passed = report.status == "FAILED" and report.error == "InvalidInput" and not processed
    return Outcome(passed and (report.cause or "").startswith("iterations: "), observed)


#: The simulated job's failure, as a job service would report it.
JOB_FAILURE_REASON = "out of memory after 1 s"

RECORD_COUNT = 5
TASK_ID = "Breakfast"


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB item with its string and number attributes as plain JSON."""
    return {name: value.get("S", value.get("N")) for name, value in item.items()}


def queued_records(sandbox: Sandbox) -> list[Any]:
    """Every message body on the records queue, in the order a consumer receives them (each is deleted)."""
    sqs, url = sandbox.client("sqs"), sandbox.outputs["recordsQueueUrl"]
    bodies: list[Any] = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        bodies += [json.loads(message["Body"]) for message in messages]
        entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)]
        sqs.delete_message_batch(QueueUrl=url, Entries=entries)  # a FIFO group holds back the rest until then
    return bodies


def record_transfer_events(sandbox: Sandbox, record_count: int) -> int:
    """The history events the deployed definition's budget counts for `record_count` records and no retries."""
    definition = sandbox.client("stepfunctions").describe_state_machine(
        stateMachineArn=sandbox.outputs["recordTransferStateMachineArn"]
    )["definition"]
    return record_transfer.history_events(json.loads(definition), record_count, worst_case=False)


def _transferred_all(report: ExecutionReport) -> Outcome:
    observed = f"{report.status}, output {json.dumps(report.output)}"
    return Outcome(report.status == "SUCCEEDED" and report.output == {"List": ["DONE"]}, observed)


def _records_queued_in_order(sandbox: Sandbox, report: ExecutionReport) -> Outcome:
    items = sandbox.client("dynamodb").scan(TableName=sandbox.outputs["recordsTableName"])["Items"]
    records = {item["MessageId"]["S"]: _plain(item) for item in items}
    bodies = queued_records(sandbox)
    expected = [records.get(f"MessageNo{number}") for number in range(1, RECORD_COUNT + 1)]
    events, budget = len(sandbox.history(report.execution_arn)), record_transfer_events(sandbox, RECORD_COUNT)
    keys = ", ".join(str(body.get("MessageId")) for body in bodies if isinstance(body, dict))
    observed = f"{len(bodies)} messages ({keys}), {events} history events (budget {budget})"
    return Outcome(bodies == expected and None not in expected and events == budget, observed)


def task_runs(sandbox: Sandbox, task_id: str) -> list[dict[str, Any]]:
    """The task's rows in the tasks table, oldest run first, as plain JSON."""
    items = sandbox.client("dynamodb").query(
        TableName=sandbox.outputs["tasksTableName"],
        KeyConditionExpression="taskId = :taskId",
        ExpressionAttributeValues={":taskId": {"S": task_id}},
        ConsistentRead=True,
    )["Items"]
    return [_plain(item) for item in items]


def _started_while_working(sandbox: Sandbox, execution_arn: str) -> Outcome:
    deadline = time.monotonic() + 5
    while not (runs := task_runs(sandbox, TASK_ID)) and time.monotonic() < deadline:
        time.sleep(0.05)  # the execution's first state writes the row a moment after the start
    again = start_task(sandbox, {"taskId": TASK_ID})
    statuses = [run.get("Status") for run in runs]
    same = again["executionArn"] == execution_arn and again["alreadyStarted"] is True
    started = statuses == ["STARTED"] and runs[0].get("executionArn") == execution_arn
    return Outcome(started and same, f"while working: {statuses}, 2nd start returns the same execution: {same}")


def _tracked_task_succeeded(report: ExecutionReport) -> Outcome:
    return Outcome(report.status == "SUCCEEDED", f"{report.status} in {report.duration_seconds:.2f} s")


def _done_and_bad_task_ids_refused(sandbox: Sandbox, report: ExecutionReport) -> Outcome:
    runs = task_runs(sandbox, TASK_ID)
    done = [run.get("Status") for run in runs] == ["DONE"] and bool(runs[0].get("finishedAt"))
    refusals: dict[str, str] = {}
    for bad in ("", "a/b"):
        try:
            refusals[bad] = f"started {start_task(sandbox, {'taskId': bad})['executionArn']}"
        except StarterRefused as refusal:
            refusals[bad] = f"{refusal.error_type}: {refusal.error_message}"
    executions = sandbox.client("stepfunctions").list_executions(
        stateMachineArn=sandbox.outputs["taskTrackerStateMachineArn"]
    )["executions"]
    refused = all(refusal.startswith("InvalidEvent: taskId: ") for refusal in refusals.values())
    said = ", ".join(f"{bad!r} -> {refusal.split(' (')[0]}" for bad, refusal in refusals.items())
    observed = f"after: {[run.get('Status') for run in runs]}; {said}; {len(executions)} execution(s) in all"
    return Outcome(done and refused and len(executions) == 1, observed)


SCENARIOS: list[Scenario] = [
    Scenario(
        "map-fan-out: concurrency 1, wait 2 s",
        "map-fan-out",
        "3 invocations, each >= 1.9 s after the previous",
        _one_at_a_time,
        overrides={"maxConcurrency": "1", "waitDurationSeconds": "2"},
    ),
    Scenario(
        "map-fan-out: concurrency 3",
        "map-fan-out",
        "3 invocations starting within 1 s of each other",
        _all_at_once,
        overrides={"maxConcurrency": "3", "waitDurationSeconds": "2"},
    ),
    Scenario(
        "map-fan-out: listofdicts.json",
        "map-fan-out",
        "each invocation gets a plain {topic, name} object",
        _plain_objects,
        overrides={"maxConcurrency": "3", "waitDurationSeconds": "0"},
        items_file="listofdicts.json",
    ),
    Scenario(
        # The tutorial's 25 s wait against a 20 s timeout, scaled down to keep the demo short.
        "map-fan-out: wait 5 s > timeout 3 s",
        "map-fan-out",
        "TIMED_OUT at about 3 s, not after the waits",
        _timed_out(timeout=3, wait=5),
        overrides={"maxConcurrency": "1", "waitDurationSeconds": "5", "timeoutDurationSeconds": "3"},
    ),
    Scenario(
        "parallel-lambda: the tutorial's fruits",
        "parallel-lambda",
        "producer once; consumer 3 times, once per fruit",
        _fruits,
    ),
    Scenario(
        "image-downloader: flags-success.json",
        "image-downloader",
        "SUCCEEDED; 10 objects stored, 10 url rows",
        _downloaded_all,
        payload={
            "baseUrl": "https://www.fluentpython.com/data/flags",
            "resourcePaths": [f"{f}/{f}.gif" for f in FLAGS],
        },
        inspect=lambda sandbox, report: _flags_stored_and_recorded(sandbox),
    ),
    Scenario(
        "image-downloader: flags-fail.json",
        "image-downloader",
        "FAILED DownloadsFailed; SNS names zz; the 10 good images stored and recorded",
        _failed_on_zz,
        payload=json.loads((EXAMPLES / "flags-fail.json").read_text()),
        setup=_subscribe_failures_inbox,
        inspect=_failure_notified,
    ),
    Scenario(
        # 5.5 s: the 1st check (3 s + a cold start of up to 2.5 s) finds the job running, the 2nd (>= 6 s) done.
        "job-poller: job succeeds after 2 polls",
        "job-poller",
        "SUCCEEDED; RUNNING at the 1st check, SUCCEEDED at the 2nd; the final status is the output",
        _job_succeeded_after_two_polls,
        overrides={"pollIntervalSeconds": "3"},
        payload={"durationSeconds": 5.5, "outcome": "SUCCEEDED"},
        inspect=_history_events(JOB_POLLER_HISTORY.fixed_events + 2 * JOB_POLLER_HISTORY.events_per_turn),
    ),
    Scenario(
        "job-poller: job fails",
        "job-poller",
        "FAILED JobFailed, the cause is the job's reason",
        _job_failed_with_its_reason(JOB_FAILURE_REASON),
        overrides={"pollIntervalSeconds": "2"},
        payload={"durationSeconds": 1, "outcome": "FAILED", "reason": JOB_FAILURE_REASON},
    ),
    Scenario(
        "job-poller: job never finishes, maxPolls 3",
        "job-poller",
        "FAILED PollLimitExceeded after 3 checks 1 s apart",
        _poll_limit_exceeded(3),
        overrides={"pollIntervalSeconds": "1", "maxPolls": "3"},
        payload={"durationSeconds": 3600, "outcome": "SUCCEEDED"},
    ),
    Scenario(
        "lambda-iterator: iterations 5",
        "lambda-iterator",
        "SUCCEEDED; process runs exactly 5 times (counter 5..1); 11 + 7 x 5 history events",
        _iterated(5),
        payload={"iterations": 5},
        inspect=_history_events(LAMBDA_ITERATOR_HISTORY.fixed_events + 5 * LAMBDA_ITERATOR_HISTORY.events_per_turn),
    ),
    Scenario(
        "lambda-iterator: iterations 0",
        "lambda-iterator",
        "SUCCEEDED; process never runs",
        _iterated(0),
        payload={"iterations": 0},
    ),
    Scenario(
        "lambda-iterator: iterations -1",
        "lambda-iterator",
        "FAILED InvalidInput naming iterations; process never runs",
        _invalid_iterations,
        payload={"iterations": -1},
    ),
    Scenario(
        'lambda-iterator: iterations "ten"',
        "lambda-iterator",
        "FAILED InvalidInput naming iterations; process never runs",
        _invalid_iterations,
        payload={"iterations": "ten"},
    ),
    Scenario(
        "record-transfer: 5 records",
        "record-transfer",
        "SUCCEEDED; 5 messages on the queue in order, each carrying its record; history as budgeted",
        _transferred_all,
        payload={"count": RECORD_COUNT},
        inspect=_records_queued_in_order,
    ),
    Scenario(
        'task-tracker: "Breakfast", work 2 s',
        "task-tracker",
        'STARTED while working, a 2nd start returns the same execution; DONE after; "" and "a/b" refused',
        _tracked_task_succeeded,
        overrides={"workSeconds": "2"},
        payload={"taskId": TASK_ID},
        during=_started_while_working,
        inspect=_done_and_bad_task_ids_refused,
    ),
]


def _observing(workflow: Workflow, during: Callable[[Sandbox, str], Outcome], seen: list[Outcome]) -> Workflow:
    """The workflow, started its own way, with `during` looking on as soon as the execution has started."""

    def start(sandbox: Sandbox, execution_input: Any) -> str:
        if workflow.start is not None:
            execution_arn = workflow.start(sandbox, execution_input)
        else:
            execution_arn = sandbox.client("stepfunctions").start_execution(
                stateMachineArn=sandbox.outputs[workflow.state_machine_output], input=json.dumps(execution_input)
            )["executionArn"]
        seen.append(during(sandbox, execution_arn))
        return execution_arn

    return replace(workflow, start=start)


def run_scenario(scenario: Scenario, stack: str = "dev") -> tuple[ExecutionReport, Outcome]:
    """A fresh embedded AWS, deploy with the scenario's config, one execution, the check."""
    workflow = WORKFLOWS[scenario.workflow]
    items = read_items(DATA / scenario.items_file) if scenario.items_file else None
    overrides = {**workflow.run_overrides, **scenario.overrides}
    with Sandbox(stack=stack, overrides=overrides) as sandbox:
        if scenario.setup is not None:
            scenario.setup(sandbox)
        during: list[Outcome] = []
        if scenario.during is not None:
            workflow = _observing(workflow, scenario.during, during)
        report = run_workflow(sandbox, workflow, items, scenario.payload)
        outcome = scenario.check(report)
        for seen in during:
            outcome = Outcome(outcome.passed and seen.passed, f"{outcome.observed}; {seen.observed}")
        if scenario.inspect is not None:
            inspected = scenario.inspect(sandbox, report)
            outcome = Outcome(outcome.passed and inspected.passed, f"{outcome.observed}; {inspected.observed}")
    return report, outcome
