"""The load scenarios: many calls at once to each public entry point of the deployed program, in one sandbox.

- image-downloader: signed POSTs to its HTTP API, at the stage's throttle (its burst and rate from the config);
  the excess must be refused with 429 and start nothing.
- task-tracker: invocations of its starter Lambda, cycling over a few task ids; each id gets one execution.
- map-fan-out: StartExecution calls on its state machine.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any

import boto3
import requests
from botocore.client import BaseClient
from botocore.config import Config

from tools.bench.load_outcome import Outcome, settle
from tools.sandbox.aws import REGION
from tools.sandbox.scenarios import stored_images, task_runs
from tools.sandbox.session import Sandbox
from tools.sandbox.workflows import DATA, WORKFLOWS, read_items
from tools.start_download import signed_headers

IMAGE_DOWNLOADER = WORKFLOWS["image-downloader"]
MAP_FAN_OUT = WORKFLOWS["map-fan-out"]
#: Flags the local image host answers; each request gets distinct paths, so it stores objects of its own.
FLAG_CODES = ("ad", "ae", "af", "ag", "al", "am", "ao", "ar", "at", "au")


@dataclass(frozen=True)
class LoadSettings:
    """The sizes of the three scenarios and the config the sandbox is deployed with."""

    requests: int = 200
    images_per_request: int = 1
    task_starts: int = 100
    task_ids: int = 10
    fan_out_executions: int = 50
    #: None: the program's own stage throttle (Pulumi.dev.yaml's apiBurstLimit and apiRateLimit).
    api_burst_limit: int | None = None
    api_rate_limit: int | None = None
    #: task-tracker's work (workSeconds): long enough that every start lands while the runs are still working.
    work_seconds: int = 10
    #: map-fan-out's Wait before each item (waitDurationSeconds; the seed's 2 s, shortened).
    wait_seconds: int = 1
    timeout_seconds: float = 300

    def overrides(self) -> dict[str, str]:
        """Stack config for the sandbox: the image-downloader's local-host switches and the short waits."""
        config = {
            **IMAGE_DOWNLOADER.sandbox_overrides,
            "workSeconds": str(self.work_seconds),
            "waitDurationSeconds": str(self.wait_seconds),
        }
        if self.api_burst_limit is not None:
            config["apiBurstLimit"] = str(self.api_burst_limit)
        if self.api_rate_limit is not None:
            config["apiRateLimit"] = str(self.api_rate_limit)
        return config

    def as_json(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "imagesPerRequest": self.images_per_request,
            "taskStarts": self.task_starts,
            "taskIds": self.task_ids,
            "fanOutExecutions": self.fan_out_executions,
            "config": self.overrides(),
        }


#: A smoke run's sizes (`python -m tools.bench --quick`, and the test).
QUICK = LoadSettings(requests=20, api_burst_limit=5, api_rate_limit=1, task_starts=10, task_ids=2,
                     fan_out_executions=5, work_seconds=6)  # fmt: skip


def all_at_once(calls: Sequence[Callable[[], Any]]) -> list[Any]:
    """Run every call in its own thread, released together by a barrier; their results in order."""
    if not calls:
        return []
    barrier = threading.Barrier(len(calls))

    def released(call: Callable[[], Any]) -> Any:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(released, calls))


def _client(sandbox: Sandbox, service: str, connections: int) -> BaseClient:
    """An operator's client that never retries (each call counted is one call made), with a connection per caller."""
    credentials = sandbox.aws.operator_credentials
    return boto3.client(
        service,
        region_name=REGION,
        endpoint_url=sandbox.aws.endpoint_url,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, max_pool_connections=connections,
                      read_timeout=300),
    )  # fmt: skip


def _image_request(sandbox: Sandbox, index: int, images: int) -> dict[str, Any]:
    codes = [FLAG_CODES[(index + offset) % len(FLAG_CODES)] for offset in range(images)]
    paths = [f"load-{index}-{n}/{code}/{code}.gif" for n, code in enumerate(codes)]
    request: dict[str, Any] = IMAGE_DOWNLOADER.prepare(
        sandbox, None, {"baseUrl": "/data/flags", "resourcePaths": paths, "lambdaConcur": 1}
    )
    return request


def _post(url: str, body: bytes, headers: dict[str, str], fired: float) -> tuple[str, str | None, float]:
    """POST one request: its answer ("200", "429", "HTTP 502", or the client's error), the ARN, seconds taken."""
    try:
        response = requests.post(url, data=body, headers=headers, timeout=120)
    except requests.RequestException as error:
        return type(error).__name__, None, time.monotonic() - fired
    arn = response.json().get("executionArn") if response.status_code == 200 else None
    answer = str(response.status_code) if response.status_code in (200, 429) else f"HTTP {response.status_code}"
    return answer, arn, time.monotonic() - fired


def post_all_at_once(url: str, signed: list[tuple[bytes, dict[str, str]]]) -> list[tuple[str, str | None, float]]:
    """Every request from its own thread, released together; run in a process of its own (see below)."""
    fired = time.monotonic()
    return all_at_once([partial(_post, url, body, headers, fired) for body, headers in signed])


def _post_from_another_process(url: str, signed: list[tuple[bytes, dict[str, str]]]) -> list[Any]:
    """The callers in a process of their own, as users' clients are: in the sandbox's process they would share
    its interpreter lock with the gateway, and the gateway's answers would wait on the callers' own work."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(post_all_at_once, url, signed).result()


def image_downloader(sandbox: Sandbox, settings: LoadSettings) -> Outcome:
    """`requests` signed POSTs to the HTTP API at once; the stage's throttle refuses the excess with 429."""
    url = sandbox.outputs["imageDownloaderApiUrl"]
    credentials = sandbox.aws.operator_credentials
    signer = boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"], aws_secret_access_key=credentials["SecretAccessKey"]
    )
    signed = []
    for index in range(settings.requests):  # signed before the barrier, so the requests leave together
        body = json.dumps(_image_request(sandbox, index, settings.images_per_request)).encode()
        signed.append((body, dict(signed_headers(url, body, signer, REGION))))
    answers = _post_from_another_process(url, signed)
    answering_seconds = max(seconds for _, _, seconds in answers)
    kinds = [kind for kind, _, _ in answers]
    listed = settle(sandbox, sandbox.outputs[IMAGE_DOWNLOADER.state_machine_output], settings.timeout_seconds)
    burst, rate = _stage_throttle(sandbox)
    succeeded = sum(1 for execution in listed if execution.status == "SUCCEEDED")
    return Outcome(
        scenario="image-downloader",
        entry_point=f"HTTP API POST (SigV4), {settings.images_per_request} image each",
        attempts=len(answers),
        accepted=kinds.count("200"),
        refused=kinds.count("429"),
        errors=len(kinds) - kinds.count("200") - kinds.count("429"),
        acknowledged=frozenset(str(arn) for kind, arn, _ in answers if kind == "200" and arn),
        listed=listed,
        expected_executions=kinds.count("200"),
        notes={
            "errorKinds": sorted({kind for kind in kinds if kind not in ("200", "429")}),
            "burstLimit": burst,
            "rateLimit": rate,
            "answeringSeconds": round(answering_seconds, 2),
            # The most a token bucket of `burst` refilled at `rate` can admit while the requests were answered.
            "mostTheThrottleAdmits": burst + math.ceil(rate * answering_seconds),
            "imagesStored": len(stored_images(sandbox)),
            "imagesOfSucceeded": succeeded * settings.images_per_request,
        },
    )


def _stage_throttle(sandbox: Sandbox) -> tuple[int, float]:
    """The deployed API's $default stage burst and rate, as the gateway enforces them."""
    client = sandbox.client("apigatewayv2")
    for api in client.get_apis()["Items"]:
        for stage in client.get_stages(ApiId=api["ApiId"])["Items"]:
            route = stage.get("DefaultRouteSettings") or {}
            if stage["StageName"] == "$default" and "ThrottlingBurstLimit" in route:
                return int(route["ThrottlingBurstLimit"]), float(route["ThrottlingRateLimit"])
    raise LookupError("the program deployed no HTTP API stage with a throttle")


def task_ids(count: int) -> list[str]:
    return [f"load-task-{index}" for index in range(count)]


def _start_task(client: BaseClient, starter: str, task_id: str) -> tuple[str | None, str | None]:
    """Invoke the starter as a user does: the execution ARN it answers, or the error it raised."""
    try:
        response = client.invoke(FunctionName=starter, Payload=json.dumps({"taskId": task_id}).encode())
    except Exception as error:
        return None, type(error).__name__
    answer = json.loads(response["Payload"].read())
    if response.get("FunctionError"):
        return None, str(answer.get("errorType"))
    return str(answer["executionArn"]), None


def task_tracker(sandbox: Sandbox, settings: LoadSettings) -> Outcome:
    """`task_starts` concurrent invocations of the starter Lambda, cycling over `task_ids` ids."""
    ids = task_ids(settings.task_ids)
    client = _client(sandbox, "lambda", settings.task_starts)
    starter = sandbox.outputs["taskStarterFunctionName"]
    answers = all_at_once(
        [partial(_start_task, client, starter, ids[n % len(ids)]) for n in range(settings.task_starts)]
    )
    last_answer = time.time()
    acknowledged = frozenset(arn for arn, _ in answers if arn)
    listed = settle(sandbox, sandbox.outputs["taskTrackerStateMachineArn"], settings.timeout_seconds)
    runs = {task_id: task_runs(sandbox, task_id) for task_id in ids}
    errors = [error for _, error in answers if error]
    return Outcome(
        scenario="task-tracker",
        entry_point=f"starter Lambda Invoke, {len(ids)} task ids",
        attempts=len(answers),
        accepted=len(answers) - len(errors),
        refused=0,
        errors=len(errors),
        acknowledged=acknowledged,
        listed=listed,
        expected_executions=len(ids),
        notes={
            "errorKinds": sorted(set(errors)),
            "taskIds": len(ids),
            "workSeconds": settings.work_seconds,
            "tasksDone": sum(1 for rows in runs.values() if [row.get("Status") for row in rows] == ["DONE"]),
            # One execution per id is the promise only while the starts overlap the runs they started.
            "startsAnsweredBeforeFirstRunEnded": last_answer < _first_stop(sandbox, acknowledged),
        },
    )


def _first_stop(sandbox: Sandbox, execution_arns: Iterable[str]) -> float:
    sfn = sandbox.client("stepfunctions")
    stops = [sfn.describe_execution(executionArn=arn).get("stopDate") for arn in execution_arns]
    return min((stop.timestamp() for stop in stops if stop), default=math.inf)


def _start_execution(client: BaseClient, machine: str, document: str) -> tuple[str | None, str | None]:
    try:
        return str(client.start_execution(stateMachineArn=machine, input=document)["executionArn"]), None
    except Exception as error:
        return None, type(error).__name__


def map_fan_out(sandbox: Sandbox, settings: LoadSettings) -> Outcome:
    """`fan_out_executions` concurrent StartExecution calls on the map-fan-out state machine (its default list)."""
    machine = sandbox.outputs[MAP_FAN_OUT.state_machine_output]
    items = read_items(DATA / "simplelist.json")
    document = json.dumps(MAP_FAN_OUT.prepare(sandbox, items, None))
    client = _client(sandbox, "stepfunctions", settings.fan_out_executions)
    answers = all_at_once([partial(_start_execution, client, machine, document)] * settings.fan_out_executions)
    errors = [error for _, error in answers if error]
    return Outcome(
        scenario="map-fan-out",
        entry_point=f"StartExecution, the seed's list of {len(items)} items",
        attempts=len(answers),
        accepted=len(answers) - len(errors),
        refused=0,
        errors=len(errors),
        acknowledged=frozenset(arn for arn, _ in answers if arn),
        listed=settle(sandbox, machine, settings.timeout_seconds),
        expected_executions=settings.fan_out_executions,
        notes={"errorKinds": sorted(set(errors)), "items": len(items), "waitSeconds": settings.wait_seconds},
    )


SCENARIOS: tuple[Callable[[Sandbox, LoadSettings], Outcome], ...] = (image_downloader, task_tracker, map_fan_out)


def measure(settings: LoadSettings) -> list[Outcome]:
    """Deploy the program once, then run the scenarios one after another in it."""
    with Sandbox(overrides=settings.overrides()) as sandbox:
        return [scenario(sandbox, settings) for scenario in SCENARIOS]
