"""The sandbox's promises: the same program deployed, IAM enforced as in AWS, a fresh account per run, no leftovers."""

import json
import os
import signal
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from tests.support.one_sandbox import OneSandbox
from tools.sandbox.aws import AlreadyRunning
from tools.sandbox.engine import RECORDED_NOT_EMULATED, SandboxMocks
from tools.sandbox.lambda_runtime import FunctionSpec
from tools.sandbox.session import Sandbox

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sandboxes() -> Iterator[OneSandbox]:
    """The module's sandbox, closed by a test that starts its own: only one Sandbox runs in a process."""
    one = OneSandbox()
    yield one
    one.close()


@pytest.fixture
def sandbox(sandboxes: OneSandbox) -> Sandbox:
    return sandboxes.of("module", lambda: Sandbox(overrides={"waitDurationSeconds": "0", "maxConcurrency": "3"}))


def test_every_resource_the_program_registers_is_created_or_recorded_with_a_reason(sandbox):
    custom = [r for r in sandbox.program.resources if r.custom]
    assert custom, "the program registered resources"
    for resource in custom:
        assert resource.type in sandbox.mocks.emulated_types or resource.type in RECORDED_NOT_EMULATED, resource.type
    created_state_machines = sandbox.client("stepfunctions").list_state_machines()["stateMachines"]
    exported = [value for name, value in sandbox.outputs.items() if name.endswith("StateMachineArn")]
    assert sorted(m["stateMachineArn"] for m in created_state_machines) == sorted(exported)
    assert len(exported) == len(sandbox.program.of_type("aws:sfn/stateMachine:StateMachine")) >= 2


def test_physical_names_follow_pulumi_auto_naming(sandbox):
    table = sandbox.outputs["mapFanOutTableName"]
    prefix, suffix = table.rsplit("-", 1)
    assert prefix == "map-fan-out-table" and len(suffix) == 7 and int(suffix, 16) >= 0


def test_the_deployed_definition_is_the_one_the_program_built(sandbox):
    program_definition = next(
        r.inputs["definition"] for r in sandbox.program.resources if r.name == "map-fan-out-state-machine"
    )
    deployed = sandbox.client("stepfunctions").describe_state_machine(
        stateMachineArn=sandbox.outputs["mapFanOutStateMachineArn"]
    )["definition"]
    assert json.loads(deployed) == json.loads(program_definition)


def test_an_unknown_resource_type_is_an_error_naming_it(sandbox):
    import pulumi

    mocks = SandboxMocks(sandbox.aws, sandbox.runtime)
    args = pulumi.runtime.MockResourceArgs(
        typ="aws:ec2/instance:Instance", name="web", inputs={}, provider=None, resource_id=None, custom=True
    )
    with pytest.raises(Exception, match="aws:ec2/instance:Instance"):
        mocks.new_resource(args)


def _zip(tmp_path: Path, source: str) -> Path:
    archive = tmp_path / "probe.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("probe.py", source)
    return archive


def test_a_lambda_without_the_permission_fails_with_access_denied(sandbox, tmp_path):
    """A handler on the log-item role (logs and traces only) may not read the list table."""
    log_item = sandbox.mocks.functions["map-fan-out-log-item-function"]
    role_arn = sandbox.client("lambda").get_function(FunctionName=log_item.function_name)["Configuration"]["Role"]
    source = (
        "import boto3\n"
        "def handler(event, context):\n"
        "    return boto3.client('dynamodb').get_item(TableName=event['table'], Key={'listName': {'S': 'x'}})\n"
    )
    sandbox.runtime.register(
        FunctionSpec(
            logical_name="probe", function_name="probe", arn="arn:aws:lambda:us-east-1:123456789012:function:probe",
            archive_path=_zip(tmp_path, source), handler="probe.handler", environment={}, timeout_seconds=30,
            endpoint_url=sandbox.aws.endpoint_url, credentials=lambda: sandbox.aws.role_credentials(role_arn),
        )
    )  # fmt: skip
    result = sandbox.runtime.invoke("probe", json.dumps({"table": sandbox.outputs["mapFanOutTableName"]}).encode())
    assert result.function_error == "Unhandled"
    error = json.loads(result.payload)
    assert (
        error["errorType"] == "ClientError" and "not authorized to perform: dynamodb:GetItem" in error["errorMessage"]
    )


def test_signed_get_requests_pass_the_signature_check(sandbox):
    names = [f["FunctionName"] for f in sandbox.client("lambda").list_functions()["Functions"]]
    assert sandbox.mocks.functions["map-fan-out-log-item-function"].function_name in names


def test_an_operator_cannot_skip_iam_with_unknown_credentials(sandbox):
    stranger = {"AccessKeyId": "AKIASTRANGER0000000", "SecretAccessKey": "x"}
    with pytest.raises(ClientError):
        sandbox.aws.client("dynamodb", stranger).list_tables()


def test_a_second_sandbox_in_the_process_is_refused_in_one_line_and_the_first_keeps_working(sandbox):
    second = Sandbox()
    with pytest.raises(AlreadyRunning) as refused:
        second.__enter__()

    message = str(refused.value)
    assert "\n" not in message and message.startswith("an embedded AWS is already running in this process")
    assert "share the running Sandbox (e.g. one session-scoped fixture)" in message
    assert not second.runtime.work_dir.exists() and second.gateway._server.socket.fileno() == -1, "nothing left"
    report = sandbox.execute("parallel-lambda", sandbox.outputs["parallelLambdaStateMachineArn"], {})
    assert report.status == "SUCCEEDED", "the first sandbox's operator, roles and functions are as they were"
    second.close()  # closing the refused one again touches nothing of the first
    assert sandbox.client("stepfunctions").list_state_machines()["stateMachines"]


def test_the_state_machine_role_is_enforced_when_the_definition_calls_a_service(tmp_path, sandboxes):
    """Take GetItem away from the map-fan-out role: the execution fails with AccessDenied, as in AWS."""
    from tools.load_ddb import write_list

    sandboxes.close()  # the module's sandbox first: only one runs in a process

    with Sandbox(overrides={"waitDurationSeconds": "0"}) as fresh:
        iam = fresh.client("iam")
        role = next(r["RoleName"] for r in iam.list_roles()["Roles"] if r["RoleName"].startswith("map-fan-out-role-"))
        (policy_name,) = iam.list_role_policies(RoleName=role)["PolicyNames"]
        document = iam.get_role_policy(RoleName=role, PolicyName=policy_name)["PolicyDocument"]
        document = json.loads(document) if isinstance(document, str) else document
        document["Statement"] = [s for s in document["Statement"] if s.get("Sid") != "ReadList"]
        iam.put_role_policy(RoleName=role, PolicyName=policy_name, PolicyDocument=json.dumps(document))
        write_list(fresh.client("dynamodb"), fresh.outputs["mapFanOutTableName"], ["a"])
        report = fresh.execute("map-fan-out", fresh.outputs["mapFanOutStateMachineArn"], {})
    assert report.status == "FAILED"
    assert "not authorized to perform: dynamodb:GetItem" in (report.cause or "")


def test_each_sandbox_starts_from_an_empty_account_and_leaves_no_process_behind(sandboxes):
    sandboxes.close()
    tables = []
    worker_pids: list[int] = []
    for _ in range(2):
        with Sandbox(overrides={"waitDurationSeconds": "0"}) as fresh:
            tables.append(fresh.client("dynamodb").list_tables()["TableNames"])
            fresh.execute("parallel-lambda", fresh.outputs["parallelLambdaStateMachineArn"], {})
            worker_pids.extend(fresh.runtime.worker_pids())
    assert len(tables[0]) == len(tables[1]) == len(fresh.program.of_type("aws:dynamodb/table:Table")) >= 1
    assert not set(tables[0]) & set(tables[1]), "each sandbox names its tables afresh"
    assert worker_pids, "the execution ran Lambda workers"
    for pid in worker_pids:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()


def test_run_json_prints_exactly_one_json_object():
    completed = subprocess.run(
        [sys.executable, "-m", "tools.sandbox", "run", "map-fan-out", "--config", "maxConcurrency=3",
         "--config", "waitDurationSeconds=0", "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    assert set(report) == {
        "workflow", "executionArn", "status", "input", "output", "error", "cause", "durationSeconds",
        "stateTransitions", "invocations",
    }  # fmt: skip
    assert report["status"] == "SUCCEEDED" and report["workflow"] == "map-fan-out"
    items = [i["event"] for i in report["invocations"] if i["function"] == "map-fan-out-log-item-function"]
    assert sorted(items) == ["Computer Science", "Economics", "Mathematics"]
    assert all(set(i) == {"function", "startedAt", "endedAt", "event", "error"} for i in report["invocations"])
    assert report["stateTransitions"] > 0


def test_run_with_an_invalid_config_value_names_the_key_and_exits_2():
    completed = subprocess.run(
        [sys.executable, "-m", "tools.sandbox", "run", "map-fan-out", "--config", "maxConcurrency=-1", "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert completed.returncode == 2
    assert "maxConcurrency" in completed.stderr and completed.stdout == ""


def test_preview_lists_resources_with_parents_and_the_outputs():
    completed = subprocess.run(
        [sys.executable, "-m", "tools.sandbox", "preview"], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "250"},
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    for expected in ("aws:sfn/stateMachine:StateMachine", "map-fan-out-state-machine", "mapFanOutStateMachineArn"):
        assert expected in completed.stdout


def test_serve_stopped_by_sigterm_removes_its_temporary_folder(tmp_path):
    """The smallest stack (one workflow): `serve` deploys it, gets SIGTERM, and leaves nothing in TMPDIR.
    (Ctrl-C's SIGINT takes the same way out: both raise KeyboardInterrupt, which unwinds the Sandbox.)"""
    serve = subprocess.Popen(
        [sys.executable, "-m", "tools.sandbox", "serve", "--config", "workflows=lambda-iterator"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp_path)},
    )  # fmt: skip
    try:
        assert serve.stdout is not None
        for line in serve.stdout:  # serving once it prints the operator's credentials
            if line.startswith("export AWS_ACCESS_KEY_ID="):
                break
        work_dirs = list(tmp_path.glob("sandbox-lambda-*"))
        assert len(work_dirs) == 1, f"the Lambda runtime's folder is in TMPDIR: {list(tmp_path.iterdir())}"
        serve.send_signal(signal.SIGTERM)
        _, errors = serve.communicate(timeout=30)
    finally:
        serve.kill()
    # 0 once serving; 130 ("interrupted") if the signal came before `serve` began to wait: cleaned up either way
    assert serve.returncode in (0, 130) and "Traceback" not in errors, errors
    assert list(tmp_path.iterdir()) == []
