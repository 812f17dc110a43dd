"""Every workflow the program deploys, as its diagram draws it: the component's pure builder with placeholder names."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import components
from components import image_downloader, job_poller, lambda_iterator, map_fan_out, record_transfer, task_tracker
from components.config import load_settings

Builder = Callable[..., dict[str, Any]]
#: The defaults of components/config.py (Pulumi.dev.yaml holds the same values).
SETTINGS = load_settings({})
REGION, ACCOUNT = "us-east-1", "123456789012"
#: Builder parameters by their name's ending: what a placeholder for it looks like.
PLACEHOLDERS = {
    "_fn_arn": "arn:aws:lambda:{region}:{account}:function:{stem}",
    "topic_arn": "arn:aws:sns:{region}:{account}:{stem}",
    "queue_url": "https://sqs.{region}.amazonaws.com/{account}/{stem}",
    "_arn": "arn:aws:{stem}:{region}:{account}:{stem}",
}


@dataclass(frozen=True)
class DiagramWorkflow:
    """One state machine of the program: `name` is its component's in `__main__.py`, `builder` its pure ASL."""

    name: str
    title: str
    builder: Builder
    settings: object | None = None

    @property
    def state_machine(self) -> str:
        """The logical name of the state machine resource the component creates."""
        return f"{self.name}-state-machine"

    @property
    def source(self) -> str:
        """Where the builder lives, e.g. `components/map_fan_out/definition.py`."""
        return self.builder.__module__.replace(".", "/") + ".py"

    def definition(self) -> dict[str, Any]:
        """The builder's definition with placeholder ARNs and names and the default settings."""
        return self.builder(**placeholder_arguments(self.builder, self.settings))


def placeholder(parameter: str) -> str:
    """A readable stand-in for a resolved name or ARN: `submit_fn_arn` -> a Lambda ARN of function `submit`."""
    stem = re.sub(r"(_fn)?_(arn|url|name)$", "", parameter).replace("_", "-")
    for ending, template in PLACEHOLDERS.items():
        if parameter.endswith(ending):
            return template.format(region=REGION, account=ACCOUNT, stem=stem)
    return stem


def placeholder_arguments(builder: Builder, settings: object | None) -> dict[str, Any]:
    """The builder's required arguments: `settings` as given, every other one a placeholder."""
    arguments: dict[str, Any] = {}
    for name, parameter in inspect.signature(builder).parameters.items():
        if name == "settings":
            if settings is None:
                raise TypeError(f"{builder.__module__}.{builder.__name__} takes settings; give the workflow some")
            arguments[name] = settings
        elif parameter.default is inspect.Parameter.empty:
            arguments[name] = placeholder(name)
    return arguments


def discover_builders() -> list[Builder]:
    """Every pure definition builder in components/ and its workflow packages: a public function named `definition`
    or `*_definition`."""
    found: list[Builder] = []
    for module_info in sorted(pkgutil.walk_packages(components.__path__, "components."), key=lambda info: info.name):
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            is_builder = name == "definition" or (name.endswith("_definition") and not name.startswith("_"))
            if is_builder and inspect.isfunction(value) and value.__module__ == module.__name__:
                found.append(value)
    return found


WORKFLOWS: tuple[DiagramWorkflow, ...] = (
    DiagramWorkflow(
        "map-fan-out",
        "MapFanOut with item source `table`: a list read from one DynamoDB item, then a Map that waits and runs "
        "a Lambda per item",
        map_fan_out.table_definition,
        SETTINGS.map_fan_out,
    ),
    DiagramWorkflow(
        "parallel-lambda",
        "MapFanOut with item source `lambda`: a producer Lambda's list, a consumer Lambda per item, all at once",
        map_fan_out.lambda_definition,
        SETTINGS.parallel_lambda,
    ),
    DiagramWorkflow(
        "image-downloader",
        "ImageDownloader: batches of image downloads in an inline or a distributed Map, failures notified",
        image_downloader.definition,
        SETTINGS.image_downloader,
    ),
    DiagramWorkflow(
        "job-poller",
        "JobPoller: submit a job, then wait and check its status until it ends or `maxPolls` checks pass",
        job_poller.definition,
        SETTINGS.job_poller,
    ),
    DiagramWorkflow(
        "lambda-iterator",
        "LambdaIterator: a Lambda run `iterations` times in a Choice loop",
        lambda_iterator.definition,
    ),
    DiagramWorkflow(
        "record-transfer",
        "RecordTransfer: seed DynamoDB records, then send each one, in order, to an SQS FIFO queue",
        record_transfer.definition,
    ),
    DiagramWorkflow(
        "task-tracker",
        "TaskTracker: a task's run recorded STARTED, the work, then DONE, or FAILED with the error",
        task_tracker.definition,
        SETTINGS.task_tracker,
    ),
)


#: Workflows only a team's own program deploys (this program does not), drawn all the same: `name` is the component
#: and its args in the example program that deploys it.
TEAM_WORKFLOWS: tuple[DiagramWorkflow, ...] = (
    DiagramWorkflow(
        "map-fan-out-from-input",
        "MapFanOut with item source `input` (examples/fan-out-results): the list in the execution input, a Lambda "
        "of your own per item",
        map_fan_out.input_definition,
        SETTINGS.map_fan_out,
    ),
)


def unregistered_builders() -> list[str]:
    """Builders in components/ that no workflow here draws, as `components/x.py definition`."""
    registered = {workflow.builder for workflow in (*WORKFLOWS, *TEAM_WORKFLOWS)}
    return [
        f"{builder.__module__.replace('.', '/')}.py {builder.__name__}"
        for builder in discover_builders()
        if builder not in registered
    ]
