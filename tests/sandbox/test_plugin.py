"""The `sfn_sandbox` pytest plugin and the `sfn-sandbox` command on a small program of a team's own: its options,
`empty()` between tests, and bad input named in one line."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pulumi_aws  # noqa: F401 - see PLUGIN
import pytest

from tools.sandbox import program_cli
from tools.sandbox.plugin import DeployedProgram
from tools.sandbox.program import StackConfigError, pick_stack
from tools.sandbox.session import Sandbox

pytest_plugins = ["pytester"]
#: The plugin from this checkout, as the outer session has it (not its installed copy, a second set of modules).
#: The in-process sessions drop the modules they imported when they end: pulumi_aws is imported above, as a second
#: import of it would register its package with Pulumi twice.
PLUGIN = ("-p", "no:sfn_sandbox", "-p", "tools.sandbox.plugin")

#: A table, a bucket and a queue, and nothing the components build: it deploys in about a second.
DATA_PROGRAM = """
import pulumi
import pulumi_aws as aws

table = aws.dynamodb.Table("rows", billing_mode="PAY_PER_REQUEST", hash_key="pk", range_key="sk",
                           attributes=[{"name": "pk", "type": "S"}, {"name": "sk", "type": "N"}])
bucket = aws.s3.Bucket("files")
queue = aws.sqs.Queue("jobs")
pulumi.export("tableName", table.name)
pulumi.export("bucketName", bucket.bucket)
pulumi.export("queueUrl", queue.url)
pulumi.export("greeting", pulumi.Config().get("greeting") or "hello")
"""

BAD_ARG_PROGRAM = """
from sfn_patterns.map_fan_out import MapFanOut

MapFanOut("orders", {"item_source": "lambda", "max_concurrency": 41})
"""


def _program(folder: Path, source: str, stacks: tuple[str, ...] = ("dev",)) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Pulumi.yaml").write_text("name: team-data\nruntime: python\n")
    for stack in stacks:
        (folder / f"Pulumi.{stack}.yaml").write_text("config:\n  aws:region: us-east-1\n")
    (folder / "__main__.py").write_text(textwrap.dedent(source))
    return folder


@pytest.fixture(scope="module")
def data_program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _program(tmp_path_factory.mktemp("team") / "data", DATA_PROGRAM)


@pytest.fixture(scope="module")
def deployed(data_program: Path) -> Iterator[DeployedProgram]:
    """Used by the last tests only: one embedded AWS runs in a process, and the pytester sessions start their own."""
    with Sandbox(program_dir=data_program) as sandbox:
        yield DeployedProgram(sandbox)


def test_the_fixture_deploys_the_program_named_with_its_stack_and_config_once_per_session(
    pytester: pytest.Pytester, data_program: Path
):
    other = _program(pytester.path / "other", DATA_PROGRAM, stacks=("staging",))
    pytester.makepyfile(
        test_team="""
        def test_one(sfn_sandbox):
            assert sfn_sandbox.outputs["greeting"] == "hi"
            sfn_sandbox.client("sqs").send_message(QueueUrl=sfn_sandbox.outputs["queueUrl"], MessageBody="x")

        def test_two(sfn_sandbox):
            messages = sfn_sandbox.client("sqs").receive_message(QueueUrl=sfn_sandbox.outputs["queueUrl"])
            assert [m["Body"] for m in messages["Messages"]] == ["x"], "the same deployment: state is shared"
        """
    )
    result = pytester.runpytest_inprocess(*PLUGIN, "--sfn-program", str(other), "--sfn-config", "greeting=hi")
    result.assert_outcomes(passed=2)


def test_the_fixture_names_a_missing_stack_in_one_line(pytester: pytest.Pytester, data_program: Path):
    pytester.makepyfile(test_team="def test_one(sfn_sandbox):\n    pass\n")
    result = pytester.runpytest_inprocess(*PLUGIN, "--sfn-program", str(data_program), "--sfn-stack", "prod")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*sfn_sandbox could not deploy {data_program}: no stack file Pulumi.prod.yaml*"])


def test_the_stack_is_the_one_named_else_dev_else_the_only_stack_file(tmp_path: Path):
    assert pick_stack(_program(tmp_path / "a", "", stacks=("dev", "prod"))) == "dev"
    assert pick_stack(_program(tmp_path / "b", "", stacks=("staging",))) == "staging"
    assert pick_stack(tmp_path / "b", "prod") == "prod"
    with pytest.raises(StackConfigError, match=r"has stack files for prod, staging and none for dev: pick one with"):
        pick_stack(_program(tmp_path / "c", "", stacks=("prod", "staging")))


def test_sfn_sandbox_prints_a_components_arg_error_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    program = _program(tmp_path / "bad", BAD_ARG_PROGRAM)
    assert program_cli.main(["preview", "--program", str(program)]) == program_cli.USAGE_ERROR
    [line] = capsys.readouterr().out.strip().splitlines()
    assert line.startswith("error: MapFanOut 'orders': max_concurrency: 41") and "0..40" in line


def test_sfn_sandbox_run_json_reports_nothing_but_the_error_for_a_bad_input(
    data_program: Path, capsys: pytest.CaptureFixture[str]
):
    status = program_cli.main(["run", "tableName", "--program", str(data_program), "--input", "{nope", "--json"])
    assert status == program_cli.USAGE_ERROR
    captured = capsys.readouterr()
    assert captured.out == "" and "--input: not JSON" in captured.err  # the report: tests/e2e/test_examples.py


def test_without_the_sandbox_extra_the_command_says_how_to_install_it_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    """The base package registers the command and the plugin too: where moto is not installed they say so."""
    from tools.sandbox import command

    monkeypatch.setattr(command, "EXTRA_MODULES", ("moto", "no_such_module_of_the_extra"))
    assert command.main(["preview"]) == command.USAGE_ERROR
    assert capsys.readouterr().err.strip().splitlines() == [
        "sfn-sandbox: this venv has sfn-patterns without its sandbox (no_such_module_of_the_extra missing); "
        'install it with: pip install "sfn-patterns[sandbox]"'
    ]


def test_without_the_sandbox_extra_the_plugin_leaves_the_session_alone_and_the_fixture_says_why(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
):
    from tools.sandbox import command

    monkeypatch.setattr(command, "EXTRA_MODULES", ("no_such_module_of_the_extra",))
    pytester.makepyfile(
        test_team="""
        import os

        def test_credentials_are_the_sessions_own():
            assert os.environ.get("AWS_ACCESS_KEY_ID") == "mine"

        def test_fixture(sfn_sandbox):
            pass
        """
    )
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "mine")
    result = pytester.runpytest_inprocess(*PLUGIN)
    result.assert_outcomes(passed=1, errors=1)
    expected = (
        'sfn_sandbox needs the sandbox: pip install "sfn-patterns[sandbox]" (no_such_module_of_the_extra missing)'
    )
    assert expected in result.stdout.lines


def test_empty_deletes_every_item_object_version_and_message_and_keeps_the_resources(deployed: DeployedProgram):
    dynamodb, s3, sqs = deployed.client("dynamodb"), deployed.client("s3"), deployed.client("sqs")
    table, bucket, queue = (deployed.outputs[name] for name in ("tableName", "bucketName", "queueUrl"))
    for n in range(30):  # more than one BatchWriteItem's 25
        dynamodb.put_item(TableName=table, Item={"pk": {"S": f"p{n % 3}"}, "sk": {"N": str(n)}})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    for body in (b"one", b"two"):  # two versions of one key
        s3.put_object(Bucket=bucket, Key="reports/a.json", Body=body)
    sqs.send_message(QueueUrl=queue, MessageBody="job")
    deployed.empty()
    assert dynamodb.scan(TableName=table)["Count"] == 0
    assert "Versions" not in s3.list_object_versions(Bucket=bucket)
    assert sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=0).get("Messages", []) == []
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "again"}, "sk": {"N": "1"}})
    s3.put_object(Bucket=bucket, Key="again", Body=b"x")
    sqs.send_message(QueueUrl=queue, MessageBody="again")
    deployed.empty()  # within the minute: SQS refuses a second PurgeQueue, so the messages are received and deleted
    assert dynamodb.scan(TableName=table)["Count"] == 0 and "Versions" not in s3.list_object_versions(Bucket=bucket)
    assert sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=0).get("Messages", []) == []


def test_execute_names_the_outputs_when_the_target_is_no_state_machine(deployed: DeployedProgram):
    with pytest.raises(program_cli.TargetError, match=r"stack output 'tableName' is 'rows-[0-9a-f]{7}', not a state"):
        deployed.execute("tableName", {})
    with pytest.raises(program_cli.TargetError, match=r"no stack output 'nope'; its outputs: bucketName, greeting"):
        deployed.execute("nope", {})
