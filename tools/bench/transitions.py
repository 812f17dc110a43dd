"""State transitions per item, observed in the sandbox: the execution's history plus its Distributed Map children."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tools.bench import tutorial
from tools.bench.child_history import ChildHistories
from tools.bench.formula import TransitionFormula, dollars_per_million, path_formula
from tools.sandbox.session import ExecutionReport, Sandbox
from tools.sandbox.workflows import WORKFLOWS, Workflow

#: Step Functions refuses a state input or output (and an execution input) over 256 KiB.
PAYLOAD_LIMIT_BYTES = 262_144
FLAG_CODES = ("ad", "ae", "af", "ag", "al", "am", "ao", "ar", "at", "au")
BATCH_FUNCTION = "image-downloader-batch-function"
IMAGE_DOWNLOADER = WORKFLOWS["image-downloader"]
MAP_FAN_OUT = WORKFLOWS["map-fan-out"]
#: How to read each workflow's definition: what its Maps iterate over, and the successful path's Choices.
IMAGE_DOWNLOADER_UNITS = {"DownloadInline": "batch", "DownloadDistributed": "batch"}
MAP_FAN_OUT_UNITS = {"ProcessItems": "item"}
MAP_FAN_OUT_BRANCHES = {"ListFound": "ToPlainJson"}


@dataclass(frozen=True)
class Payload:
    """The largest state input or output seen: its size in bytes and where."""

    size: int = 0
    where: str = ""


@dataclass(frozen=True)
class ExecutionFigures:
    """One execution's transitions, observed, with what its definition's path predicts (`expected`)."""

    workflow: str
    mode: str
    items: int
    status: str
    seconds: float
    parent_transitions: int
    child_executions: int
    child_transitions: int
    expected: int | None
    formula: str
    largest_payload: Payload

    @property
    def transitions(self) -> int:
        """What AWS bills: states entered by the execution and by its children, plus one per child execution."""
        return self.parent_transitions + self.child_executions + self.child_transitions

    @property
    def per_item(self) -> float:
        return self.transitions / self.items if self.items else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "workflow": self.workflow,
            "mode": self.mode,
            "items": self.items,
            "status": self.status,
            "seconds": round(self.seconds, 2),
            "parentStateTransitions": self.parent_transitions,
            "childExecutions": self.child_executions,
            "childStateTransitions": self.child_transitions,
            "stateTransitions": self.transitions,
            "expectedFromDefinition": self.expected,
            "formula": self.formula,
            "transitionsPerItem": round(self.per_item, 4),
            "dollarsPerMillionItems": round(dollars_per_million(self.per_item), 2),
            "largestPayloadBytes": self.largest_payload.size,
            "largestPayloadAt": self.largest_payload.where,
            "withinPayloadLimit": self.largest_payload.size <= PAYLOAD_LIMIT_BYTES,
        }


def states_entered(events: Iterable[Mapping[str, Any]]) -> int:
    """Billable transitions in a history: one per `*StateEntered` event."""
    return sum(1 for event in events if str(event.get("type", "")).endswith("StateEntered"))


def largest_payload(events: Iterable[Mapping[str, Any]], prefix: str = "") -> Payload:
    """The largest `stateEnteredEventDetails.input` or `stateExitedEventDetails.output`, in UTF-8 bytes."""
    largest = Payload()
    for event in events:
        for key, field in (("stateEnteredEventDetails", "input"), ("stateExitedEventDetails", "output")):
            details = event.get(key)
            if not isinstance(details, Mapping):
                continue
            size = len(str(details.get(field) or "").encode())
            if size > largest.size:
                largest = Payload(size, f"{prefix}{details.get('name')} {field}")
    return largest


def image_paths(count: int) -> list[str]:
    """`count` distinct paths the sandbox's image server answers: `<n>/<cc>/<cc>.gif`, cycling the seed's flags."""
    return [
        f"{index}/{code}/{code}.gif" for index, code in ((i, FLAG_CODES[i % len(FLAG_CODES)]) for i in range(count))
    ]


def image_request(count: int) -> dict[str, Any]:
    """The seed's request with `count` images (the sandbox points baseUrl at its local image server)."""
    return {
        "baseUrl": "https://www.fluentpython.com/data/flags",
        "resourcePaths": image_paths(count),
        "lambdaConcur": 5,
    }


def image_request_for(sandbox: Sandbox, count: int) -> dict[str, Any]:
    """`image_request(count)`, or past Step Functions' 256 KiB execution input (about 14,000 paths) the same paths
    as a request file under requests/ in the images bucket, as `tools/start_download.py` sends a large request."""
    request = image_request(count)
    if len(json.dumps(request).encode()) <= PAYLOAD_LIMIT_BYTES:
        return request
    key = f"requests/bench-{count}.jsonl"
    lines = "".join(json.dumps(path) + "\n" for path in request["resourcePaths"])
    sandbox.client("s3").put_object(Bucket=sandbox.outputs["imagesBucketName"], Key=key, Body=lines.encode())
    return {"baseUrl": request["baseUrl"], "resourcesFile": key, "lambdaConcur": request["lambdaConcur"]}


def fan_out_items(count: int) -> list[dict[str, str]]:
    return [{"topic": f"topic-{index}", "name": f"item-{index}"} for index in range(count)]


def run(
    sandbox: Sandbox, workflow: Workflow, items: list[Any] | None, payload: Any, timeout_seconds: float
) -> ExecutionReport:
    """Prepare, start (the workflow's own way: image-downloader through its HTTP API) and follow one execution."""
    execution_input = workflow.prepare(sandbox, items, payload)
    if workflow.start is None:
        arn = sandbox.outputs[workflow.state_machine_output]
        return sandbox.execute(workflow.name, arn, execution_input, timeout_seconds=timeout_seconds)
    execution_arn = workflow.start(sandbox, execution_input)
    return sandbox.follow(workflow.name, execution_arn, execution_input, timeout_seconds=timeout_seconds)


def child_executions(sandbox: Sandbox, execution_arn: str) -> int:
    """Child workflow executions of every Map Run of the execution (DescribeMapRun's executionCounts.total)."""
    sfn = sandbox.client("stepfunctions")
    runs = sfn.list_map_runs(executionArn=execution_arn)["mapRuns"]
    return sum(int(sfn.describe_map_run(mapRunArn=r["mapRunArn"])["executionCounts"]["total"]) for r in runs)


def deployed_definition(sandbox: Sandbox, workflow: Workflow) -> dict[str, Any]:
    arn = sandbox.outputs[workflow.state_machine_output]
    document = sandbox.client("stepfunctions").describe_state_machine(stateMachineArn=arn)["definition"]
    definition: dict[str, Any] = json.loads(document)
    return definition


def figures(
    sandbox: Sandbox,
    children: ChildHistories,
    report: ExecutionReport,
    items: int,
    mode: str,
    formula: TransitionFormula,
    units: Mapping[str, int],
) -> ExecutionFigures:
    """Count what the execution and its children entered; the child events are those recorded since the last take."""
    history = sandbox.history(report.execution_arn)
    child_events = children.take()
    payloads = [largest_payload(history), largest_payload(child_events, "child ")]
    return ExecutionFigures(
        workflow=report.workflow,
        mode=mode,
        items=items,
        status=report.status,
        seconds=report.duration_seconds,
        parent_transitions=states_entered(history),
        child_executions=child_executions(sandbox, report.execution_arn),
        child_transitions=states_entered(child_events),
        expected=formula.count(units),
        formula=formula.describe(),
        largest_payload=max(payloads, key=lambda payload: payload.size),
    )


def measure_image_downloader(
    sandbox: Sandbox, children: ChildHistories, images: int, timeout_seconds: float = 900
) -> ExecutionFigures:
    """One image-downloader execution of `images` paths; the batch Lambda's answer says the mode and batch count."""
    children.take()
    report = run(sandbox, IMAGE_DOWNLOADER, None, image_request_for(sandbox, images), timeout_seconds)
    batched = next((call.result for call in report.invocations if call.function == BATCH_FUNCTION), None)
    batched = batched if isinstance(batched, dict) else {}
    mode = str(batched.get("mode", "?"))
    branch = "DownloadDistributed" if mode == "distributed" else "DownloadInline"
    # The path the execution took: its Map mode, then Done when every image was stored.
    outcome = "Done" if report.status == "SUCCEEDED" else "NotifyFailures"
    branches = {"ChooseMapMode": branch, "AllSucceeded": outcome}
    formula = path_formula(deployed_definition(sandbox, IMAGE_DOWNLOADER), IMAGE_DOWNLOADER_UNITS, branches)
    return figures(sandbox, children, report, images, mode, formula, {"batch": int(batched.get("batchCount", 0))})


def measure_map_fan_out(
    sandbox: Sandbox, children: ChildHistories, items: int, timeout_seconds: float = 900
) -> ExecutionFigures:
    children.take()
    report = run(sandbox, MAP_FAN_OUT, fan_out_items(items), None, timeout_seconds)
    formula = path_formula(deployed_definition(sandbox, MAP_FAN_OUT), MAP_FAN_OUT_UNITS, MAP_FAN_OUT_BRANCHES)
    return figures(sandbox, children, report, items, "inline", formula, {"item": items})


@dataclass(frozen=True)
class TutorialCheck:
    """The tutorial's design run in the sandbox with stand-in Lambdas: observed transitions against its formula."""

    images: int
    status: str
    observed: int
    expected: int
    formula: str

    def as_json(self) -> dict[str, Any]:
        return {
            "images": self.images,
            "status": self.status,
            "observedStateTransitions": self.observed,
            "expectedFromDefinition": self.expected,
            "formula": self.formula,
        }


def check_tutorial(sandbox: Sandbox, images: int, timeout_seconds: float = 300) -> TutorialCheck:
    """Deploy the tutorial's state machine (Pass stand-ins for its Lambdas, real DynamoDB PutItem) and count one run."""
    dynamodb, iam, sfn = sandbox.client("dynamodb"), sandbox.client("iam"), sandbox.client("stepfunctions")
    table = dynamodb.create_table(
        TableName="tutorial-url-to-name",
        KeySchema=[{"AttributeName": "url", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "url", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )["TableDescription"]
    topic_arn = sandbox.client("sns").create_topic(Name="tutorial-errored-tasks")["TopicArn"]
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    role_arn = iam.create_role(RoleName="tutorial-state-machine", AssumeRolePolicyDocument=json.dumps(trust))["Role"][
        "Arn"
    ]
    iam.put_role_policy(
        RoleName="tutorial-state-machine",
        PolicyName="put-items",
        PolicyDocument=tutorial.stand_in_policy(table["TableArn"]),
    )
    stand_in = tutorial.definition(
        batch_fn_arn="", download_fn_arn="", consolidate_fn_arn="", table_name=table["TableName"], topic_arn=topic_arn,
        stand_ins=True,
    )  # fmt: skip
    machine_arn = sfn.create_state_machine(
        name="tutorial-download-images", definition=json.dumps(stand_in), roleArn=role_arn
    )["stateMachineArn"]
    execution_input = tutorial.stand_in_input("https://www.fluentpython.com/data/flags", image_paths(images))
    execution_arn = sfn.start_execution(stateMachineArn=machine_arn, input=json.dumps(execution_input))["executionArn"]
    description = sandbox.wait(execution_arn, timeout_seconds)
    formula = tutorial.formula(stand_in)
    return TutorialCheck(
        images=images,
        status=description["status"],
        observed=states_entered(sandbox.history(execution_arn)),
        expected=formula.count(tutorial.units(images)),
        formula=formula.describe(),
    )


def tutorial_per_image(images: int) -> dict[str, Any]:
    """The tutorial's design at `images` images, computed from its definition (every image downloaded)."""
    real = tutorial.definition(
        batch_fn_arn="arn:aws:lambda:us-east-1:123456789012:function:batch",
        download_fn_arn="arn:aws:lambda:us-east-1:123456789012:function:download",
        consolidate_fn_arn="arn:aws:lambda:us-east-1:123456789012:function:consolidate",
        table_name="urlToName",
        topic_arn="arn:aws:sns:us-east-1:123456789012:errored-tasks",
    )
    formula = tutorial.formula(real)
    transitions = formula.count(tutorial.units(images))
    per_item = transitions / images
    return {
        "workflow": "tutorial design",
        "items": images,
        "batchSize": tutorial.TUTORIAL_BATCH_SIZE,
        "formula": formula.describe(),
        "stateTransitions": transitions,
        "transitionsPerItem": round(per_item, 4),
        "dollarsPerMillionItems": round(dollars_per_million(per_item), 2),
    }
