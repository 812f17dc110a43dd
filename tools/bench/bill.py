"""What N images need and cost in AWS, for this project's ImageDownloader and the tutorial's design side by side:
computed from the definitions (transitions, history events) and measured per-batch figures (Lambda time)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from components import image_downloader, record_transfer
from components.image_downloader import ImageDownloaderSettings
from components.record_transfer import EXECUTION_EVENTS
from components.settings import HISTORY_EVENT_LIMIT, INLINE_MAP_MAX_CONCURRENCY
from tools.bench import tutorial
from tools.bench.formula import path_formula, path_states
from tools.sandbox.prices import DOLLARS_PER_TRANSITION, LAMBDA_GB_SECOND, LAMBDA_REQUEST

#: us-east-1 list prices, as the AWS pricing pages gave them on 2026-12-02 (free tiers left out); Step Functions'
#: and Lambda's are tools/sandbox/prices.py's, which the sandbox console's cost estimate uses too.
#: S3 Standard, $0.005 per 1,000 PUT, COPY, POST or LIST requests (aws.amazon.com/s3/pricing).
S3_PUT = 0.005 / 1000
#: DynamoDB on demand, $0.625 per million write request units since the November 2024 price cut
#: (aws.amazon.com/dynamodb/pricing/on-demand); a url row under 1 KB is one unit.
DYNAMODB_WRITE_UNIT = 0.625 / 1_000_000
#: SNS standard topics, $0.50 per million publishes (aws.amazon.com/sns/pricing).
SNS_PUBLISH = 0.50 / 1_000_000

#: History events per state as Step Functions records them: a Task 5 (entered, scheduled, started, succeeded,
#: exited), a Choice, Pass, Succeed or Fail 2, a Distributed Map 4 in its parent (entered, MapRunStarted,
#: MapRunSucceeded, exited: its children have histories of their own), an inline Map iteration 2 around its states.
STATE_EVENTS = {**record_transfer.STATE_EVENTS, "Fail": 2}
DISTRIBUTED_MAP_EVENTS = 4
INLINE_MAP_EVENTS, INLINE_ITERATION_EVENTS = 2, 2
#: The ValidateAndBatch and Consolidate Lambdas of one execution: their measured run time at scale is small beside
#: the downloads, so each is billed here at its timeout's worth of one second.
FIXED_LAMBDA_SECONDS = 2.0
BATCH_UNITS = {"DownloadInline": "batch", "DownloadDistributed": "batch"}


@dataclass(frozen=True)
class Measured:
    """What the benchmark measured of one download Lambda: images per second at its lambdaConcur, and its memory."""

    images_per_second: float
    memory_mb: int = ImageDownloaderSettings().download_memory_mb
    architecture: str = "x86_64"


@dataclass(frozen=True)
class Bill:
    """One design's needs and dollars for `images` images in one request."""

    design: str
    images: int
    executions: int
    child_executions: int
    transitions: int
    parent_history_events: int
    lambda_requests: int
    lambda_gb_seconds: float
    s3_puts: int
    dynamodb_write_units: int
    sns_publishes: int
    duration_seconds: float
    architecture: str = "x86_64"
    note: str = ""

    @property
    def dollars(self) -> dict[str, float]:
        gb_second = LAMBDA_GB_SECOND[self.architecture]
        parts = {
            "stepFunctions": self.transitions * DOLLARS_PER_TRANSITION,
            "lambdaRequests": self.lambda_requests * LAMBDA_REQUEST,
            "lambdaDuration": self.lambda_gb_seconds * gb_second,
            "s3Puts": self.s3_puts * S3_PUT,
            "dynamodbWrites": self.dynamodb_write_units * DYNAMODB_WRITE_UNIT,
            "sns": self.sns_publishes * SNS_PUBLISH,
        }
        return {**parts, "total": sum(parts.values())}

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "dollars": {key: round(value, 4) for key, value in self.dollars.items()}}


def _events(definition: Mapping[str, Any], entered: list[str]) -> int:
    total = EXECUTION_EVENTS
    for name in entered:
        state = definition["States"][name]
        if state["Type"] == "Map":
            total += DISTRIBUTED_MAP_EVENTS
        else:
            total += STATE_EVENTS[state["Type"]]
    return total


def ours(
    images: int,
    measured: Measured,
    settings: ImageDownloaderSettings | None = None,
    design: str = "sfn-patterns",
    failing: bool = False,
) -> Bill:
    """This project's ImageDownloader: one execution; past inlineLimit, a Distributed Map of batch children.
    `failing`: some image of the request fails, so the execution publishes its one failures notification."""
    settings = settings or ImageDownloaderSettings()
    definition = image_downloader.definition(
        batch_fn_arn="batch", download_fn_arn="download", consolidate_fn_arn="consolidate", bucket_name="images",
        topic_arn="topic", settings=settings,
    )  # fmt: skip
    batches = math.ceil(images / settings.batch_size)
    distributed = images > settings.inline_limit or settings.map_mode == "distributed"
    branches = {"AllSucceeded": "Done", "ChooseMapMode": "DownloadDistributed" if distributed else "DownloadInline"}
    formula = path_formula(definition, BATCH_UNITS, branches)
    entered = path_states(definition, branches)
    events = _events(definition, entered)
    if not distributed:  # an inline Map's iterations are in the parent's history
        events += batches * (INLINE_ITERATION_EVENTS + STATE_EVENTS["Task"]) - DISTRIBUTED_MAP_EVENTS
        events += INLINE_MAP_EVENTS
    concurrency = (
        settings.download_concurrency if distributed else min(settings.download_concurrency, INLINE_MAP_MAX_CONCURRENCY)
    )
    batch_seconds = settings.batch_size / measured.images_per_second
    memory_gb = measured.memory_mb / 1024
    return Bill(
        design=design,
        images=images,
        executions=1,
        child_executions=batches if distributed else 0,
        transitions=formula.count({"batch": batches}),
        parent_history_events=events,
        lambda_requests=2 + batches,
        lambda_gb_seconds=batches * batch_seconds * memory_gb + FIXED_LAMBDA_SECONDS * 256 / 1024,
        # One object per image, the batches object and the ResultWriter's manifest and result file (distributed).
        s3_puts=images + (3 if distributed else 0),
        dynamodb_write_units=images,
        # One publish per execution with a failed image (NotifyFailures), none when every image is stored.
        sns_publishes=1 if failing else 0,
        duration_seconds=math.ceil(batches / concurrency) * batch_seconds,
        architecture=measured.architecture,
        note=f"{'Distributed' if distributed else 'inline'} Map, {concurrency} batches at once",
    )


def tutorial_design(images: int, measured: Measured, failing: bool = False) -> Bill:
    """The tutorial's design: an inline Map of 5-path batches, then an inline Map of one PutItem task per image;
    both Maps' iterations are in the one execution's history, so a large request needs several executions.
    `failing`: every execution has a failed image, so each publishes its errored tasks once."""
    definition = tutorial.definition(batch_fn_arn="batch", download_fn_arn="download", consolidate_fn_arn="consolidate",
                                     table_name="urls", topic_arn="topic")  # fmt: skip
    per_execution = _tutorial_images_per_execution()
    executions = math.ceil(images / per_execution)
    batches = math.ceil(images / tutorial.TUTORIAL_BATCH_SIZE)
    formula = tutorial.formula(definition)
    transitions = sum(
        formula.count(tutorial.units(min(per_execution, images - start))) for start in range(0, images, per_execution)
    )
    batch_seconds = tutorial.TUTORIAL_BATCH_SIZE / measured.images_per_second
    memory_gb = measured.memory_mb / 1024
    return Bill(
        design="tutorial",
        images=images,
        executions=executions,
        child_executions=0,
        transitions=transitions,
        parent_history_events=_tutorial_history(min(per_execution, images)),
        lambda_requests=executions * 2 + batches,
        lambda_gb_seconds=batches * batch_seconds * memory_gb + executions * FIXED_LAMBDA_SECONDS * 256 / 1024,
        s3_puts=images,
        dynamodb_write_units=images,
        sns_publishes=executions if failing else 0,
        # The executions one after the other, each running INLINE_MAP_MAX_CONCURRENCY batches at once.
        duration_seconds=sum(
            math.ceil(
                math.ceil(min(per_execution, images - start) / tutorial.TUTORIAL_BATCH_SIZE)
                / INLINE_MAP_MAX_CONCURRENCY
            )
            for start in range(0, images, per_execution)
        )
        * batch_seconds,
        architecture=measured.architecture,
        note=f"{executions} execution(s) of at most {per_execution:,} images, to stay under the history limit",
    )


def _tutorial_history(images: int) -> int:
    """Events of one tutorial execution: fixed states, and per batch and per image an inline Map iteration."""
    batches = math.ceil(images / tutorial.TUTORIAL_BATCH_SIZE)
    per_iteration = INLINE_ITERATION_EVENTS + STATE_EVENTS["Task"]
    fixed = EXECUTION_EVENTS + 3 * STATE_EVENTS["Task"] + 2 * INLINE_MAP_EVENTS + 2 * STATE_EVENTS["Choice"]
    return fixed + per_iteration * (batches + images)


def _tutorial_images_per_execution() -> int:
    """The most images one tutorial execution can take below HISTORY_EVENT_LIMIT."""
    images = 1
    while _tutorial_history(images + 1) < HISTORY_EVENT_LIMIT:
        images += 1
    return images


#: The sizes the docs' table shows; 10,000 and 100,000 are also run in the sandbox by `make bench`.
SIZES = (10_000, 100_000, 1_000_000)
#: The download Lambda's measured rate at the default lambdaConcur (5) and memory, from the benchmarks page's
#: (c=4: 72.5 images/s at 0.91 of c/L, 50 ms per image from the host): 5 x 0.9 / 0.05 s.
DEFAULT_MEASURED = Measured(images_per_second=90.0)


def bills(sizes: tuple[int, ...] = SIZES, measured: Measured = DEFAULT_MEASURED, failing: bool = False) -> list[Bill]:
    """At each size: this project's design at its default downloadConcurrency, the same raised to 1,000 (a
    Distributed Map may run up to 10,000 children at once), and the tutorial's design. `failing`: every execution
    has a failed image and notifies the failures topic (the docs' table is the all-stored case)."""
    raised = ImageDownloaderSettings(download_concurrency=1000)
    return [
        bill
        for images in sizes
        for bill in (
            ours(images, measured, failing=failing),
            ours(images, measured, raised, design="sfn-patterns, downloadConcurrency 1000", failing=failing),
            tutorial_design(images, measured, failing=failing),
        )
    ]


def markdown(rows: list[Bill]) -> str:
    """The docs' table (docs/generated/bench-bill.md, by `python -m tools.docs --write`): a row per design and size."""
    header = (
        "| images | design | executions | child executions | state transitions | parent history events | "
        "Lambda GB-s | duration | Step Functions | Lambda | S3 PUTs | DynamoDB | SNS | total |\n"
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    )
    lines = [header]
    for bill in rows:
        cost = bill.dollars
        lines.append(
            f"| {bill.images:,} | {bill.design} | {bill.executions:,} | {bill.child_executions:,} | "
            f"{bill.transitions:,} | {bill.parent_history_events:,} | {bill.lambda_gb_seconds:,.0f} | "
            f"{_duration(bill.duration_seconds)} | ${cost['stepFunctions']:.2f} | "
            f"${cost['lambdaRequests'] + cost['lambdaDuration']:.2f} | ${cost['s3Puts']:.2f} | "
            f"${cost['dynamodbWrites']:.2f} | ${cost['sns']:.2f} | **${cost['total']:.2f}** |"
        )
    return "\n".join(lines) + "\n"


def _duration(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 120 else f"{seconds:.0f} s"


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m tools.bench.bill", description=__doc__)
    parser.add_argument(
        "--images-per-second",
        type=float,
        default=DEFAULT_MEASURED.images_per_second,
        help="the download Lambda's measured rate (default: the benchmarks page's)",
    )
    parser.add_argument("--memory-mb", type=int, default=DEFAULT_MEASURED.memory_mb)
    parser.add_argument("--architecture", choices=sorted(LAMBDA_GB_SECOND), default="x86_64")
    parser.add_argument(
        "--failing", action="store_true", help="every execution has a failed image and publishes to the topic"
    )
    args = parser.parse_args(argv)
    measured = Measured(args.images_per_second, args.memory_mb, args.architecture)
    print(markdown(bills(SIZES, measured, failing=args.failing)), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
