"""examples/job-poller-batch, the JobPoller page's own-job-service example: the program builds the poller around its
own submit and check functions, allowed exactly the Batch calls they make, and the check reports Batch's statuses as
the poller reads them."""

from __future__ import annotations

import importlib.util
import json
from types import ModuleType
from typing import Any

import pytest
from botocore.stub import Stubber

from tests.support import inventory
from tools.program import PROJECT_ROOT, PreviewMocks, ProgramRun, run_program

PROGRAM = PROJECT_ROOT / "examples" / "job-poller-batch"
QUEUE = "arn:aws:batch:us-east-1:123456789012:job-queue/renders"
DEFINITION = "arn:aws:batch:us-east-1:123456789012:job-definition/render:3"


@pytest.fixture(scope="module")
def program() -> ProgramRun:
    return run_program(PreviewMocks(), root=PROGRAM, preview=True)


def handler_module(name: str, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    spec = importlib.util.spec_from_file_location(name, PROGRAM / "handlers" / "batch_job" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def statements(program: ProgramRun, function: str) -> list[dict[str, Any]]:
    [policy] = [r for r in program.of_type(inventory.ROLE_POLICY) if r.name == f"renders-{function}-policy"]
    return json.loads(policy.inputs["policy"])["Statement"]


def test_the_poller_runs_the_teams_functions_and_builds_no_jobs_table(program: ProgramRun):
    functions = {r.name for r in program.of_type(inventory.FUNCTION) if r.name.startswith("renders-")}
    assert functions == {"renders-submit-job-function", "renders-check-job-function"}
    assert not [r for r in program.of_type(inventory.TABLE) if r.name.startswith("renders-")]
    [machine] = [r for r in program.of_type(inventory.STATE_MACHINE) if r.name == "renders-state-machine"]
    assert json.loads(machine.inputs["definition"])["TimeoutSeconds"] == 7200


def test_submit_may_submit_to_its_queue_and_definition_and_check_may_describe_jobs(program: ProgramRun):
    submit = [s for s in statements(program, "submit-job") if s.get("Sid") == "SubmitJob"]
    assert submit == [{"Sid": "SubmitJob", "Effect": "Allow", "Action": ["batch:SubmitJob"],
                       "Resource": sorted([QUEUE, DEFINITION])}]  # fmt: skip
    check = [s for s in statements(program, "check-job") if s.get("Sid") == "DescribeJobs"]
    assert check == [{"Sid": "DescribeJobs", "Effect": "Allow", "Action": ["batch:DescribeJobs"], "Resource": ["*"]}]


@pytest.mark.parametrize(
    ("batch_status", "polled"),
    [("SUBMITTED", "SUBMITTED"), ("PENDING", "RUNNING"), ("RUNNABLE", "RUNNING"), ("STARTING", "RUNNING"),
     ("RUNNING", "RUNNING"), ("SUCCEEDED", "SUCCEEDED"), ("FAILED", "FAILED")],
)  # fmt: skip
def test_check_reports_batchs_status_as_the_poller_reads_it(batch_status, polled, monkeypatch: pytest.MonkeyPatch):
    check = handler_module("check", monkeypatch)
    job = {"jobId": "j-1", "jobName": "render", "jobQueue": QUEUE, "status": batch_status, "startedAt": 1,
           "jobDefinition": DEFINITION, "statusReason": "Essential container in task exited"}  # fmt: skip
    with Stubber(check.batch) as stub:
        stub.add_response("describe_jobs", {"jobs": [job]}, {"jobs": ["j-1"]})
        answer = check.handler({"jobId": "j-1"}, None)
    assert answer == {"jobId": "j-1", "status": polled, "reason": "Essential container in task exited"}


def test_submit_submits_to_the_queue_it_is_given_and_refuses_an_input_without_a_job_name(monkeypatch):
    monkeypatch.setenv("JOB_QUEUE", QUEUE)
    monkeypatch.setenv("JOB_DEFINITION", DEFINITION)
    submit = handler_module("submit", monkeypatch)
    with Stubber(submit.batch) as stub:
        request = {"jobName": "render", "jobQueue": QUEUE, "jobDefinition": DEFINITION}
        stub.add_response("submit_job", {"jobId": "j-1", "jobName": "render"}, request)
        assert submit.handler({"jobName": "render"}, None) == {"jobId": "j-1"}
    with pytest.raises(submit.InvalidInput, match="jobName"):
        submit.handler({}, None)
