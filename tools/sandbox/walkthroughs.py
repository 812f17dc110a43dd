"""The seed walkthroughs made ready in a served sandbox: each deployed seed workflow prepared as `run` prepares it
(map-fan-out's list loaded, image-downloader's local image server started), and the inputs of its walkthrough steps
(the demo's scenarios) offered as presets on its console page, started the workflow's own way."""

from __future__ import annotations

import json
from typing import Any

from tools.sandbox.console.presets import Preset
from tools.sandbox.image_server import ImageServer
from tools.sandbox.program import read_stack_config
from tools.sandbox.program_cli import Serving
from tools.sandbox.scenarios import SCENARIOS, Scenario
from tools.sandbox.session import Sandbox
from tools.sandbox.workflows import DATA, WORKFLOWS, Workflow


def _step_name(scenario: Scenario, config: dict[str, str], project: str) -> str:
    """The walkthrough step's name, with the `--config` its scenario deploys with where the sandbox's differs."""
    name = scenario.name.split(": ", 1)[-1]
    needed = {key: value for key, value in scenario.overrides.items() if config.get(f"{project}:{key}") != value}
    return name + (f" [serve --config {' --config '.join(f'{k}={v}' for k, v in needed.items())}]" if needed else "")


def presets_of(
    sandbox: Sandbox, workflow: Workflow, default_input: Any, config: dict[str, str], project: str
) -> list[Preset]:
    """One preset per distinct input of the workflow's walkthrough steps (those that need no other list); `config`
    is the deployed stack's, to name the `--config` a step needs beyond it."""
    steps: dict[str, tuple[list[str], Any]] = {}
    for scenario in SCENARIOS:
        if scenario.workflow == workflow.name and scenario.items_file is None:
            key = json.dumps(scenario.payload, sort_keys=True)
            steps.setdefault(key, ([], scenario.payload))[0].append(_step_name(scenario, config, project))
    start = workflow.start
    presets = []
    for names, payload in steps.values():
        execution_input = default_input if payload is None else workflow.prepare(sandbox, None, payload)
        starter = None if start is None else (lambda given, start=start: start(sandbox, given))
        presets.append(Preset(" / ".join(names), execution_input, starter, workflow.started_by))
    return presets


def serve_ready(sandbox: Sandbox) -> Serving:
    """Prepare every deployed seed workflow for its walkthrough, and its console presets by state machine ARN."""
    serving = Serving()
    config = read_stack_config(sandbox.stack, sandbox.overrides, sandbox.program_dir)
    project = next((key.split(":", 1)[0] for key in config if key.endswith(":workflows")), "sfn-patterns")
    for workflow in WORKFLOWS.values():
        arn = sandbox.outputs.get(workflow.state_machine_output)
        if not isinstance(arn, str):
            continue  # not deployed by this stack's `workflows`
        default_input = workflow.prepare(sandbox, None, None)
        serving.presets[arn] = presets_of(sandbox, workflow, default_input, config, project)
    if "mapFanOutTableName" in sandbox.outputs:
        listed = (DATA / "simplelist.json").relative_to(DATA.parents[1])
        serving.lines.append(f"map-fan-out:   its table holds {listed}, as the seed's load-ddb.py loads it")
    if "imageDownloaderApiUrl" in sandbox.outputs:
        images = sandbox.shared("images", ImageServer)
        api = sandbox.outputs["imageDownloaderApiUrl"]
        serving.lines += [f"HTTP API:      {api}", f"local images:  {images.url}/data/flags/<cc>/<cc>.gif (404 for zz)"]
        serving.hints += [
            "as the sandbox operator, in another shell, after the export line above:",
            f"python tools/start_download.py --api-url {api} --base-url {images.url}/data/flags "
            "--paths ad/ad.gif ae/ae.gif",
        ]
    return serving
