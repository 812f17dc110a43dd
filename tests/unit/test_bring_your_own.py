"""Each component built with a team's own parts (handler code anywhere, existing functions, tables and queues), as a
team's own program builds it: the parts are wired in, nothing of the default is left over, and IAM stays exact."""

from __future__ import annotations

import json
import textwrap
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.support import asl_iam, inventory
from tools.program import PreviewMocks, ProgramRun, RegisteredResource, run_program

ACCOUNT, REGION = "123456789012", "us-east-1"
ITEM_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:score-item"
COUNT_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:count-rows"
SUBMIT_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:submit-render"
CHECK_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:check-render:live"
WORK_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:nightly-report"
SEED_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:select-records"
PRODUCER_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:list-orders"

HEADER = """
import pulumi
import pulumi_aws as aws
from sfn_patterns import policies
from sfn_patterns.image_downloader import ImageDownloader
from sfn_patterns.job_poller import JobPoller
from sfn_patterns.lambda_iterator import LambdaIterator
from sfn_patterns.map_fan_out import MapFanOut
from sfn_patterns.record_transfer import RecordTransfer
from sfn_patterns.task_tracker import TaskTracker
"""


def run(root: Path, body: str) -> ProgramRun:
    """A team's own program (HEADER + body) in its own folder, evaluated as `pulumi preview` would."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "__main__.py").write_text(HEADER + textwrap.dedent(body))
    return run_program(PreviewMocks(), config={"aws:region": REGION}, root=root)


@pytest.fixture
def team_handler(tmp_path: Path) -> Path:
    """A handler folder outside this repository, with a module and a pinned (empty) requirements file."""
    code = tmp_path / "elsewhere" / "score"
    code.mkdir(parents=True)
    (code / "score.py").write_text("def handler(event, context):\n    return {'scored': event}\n")
    (code / "requirements.txt").write_text("# none\n")
    return code


def machine(run: ProgramRun, component: str) -> RegisteredResource:
    return inventory.one(
        [r for r in run.of_type(inventory.STATE_MACHINE) if r.name == f"{component}-state-machine"], component
    )


def definition_of(run: ProgramRun, component: str) -> dict[str, Any]:
    return json.loads(machine(run, component).inputs["definition"])


def exact_iam(run: ProgramRun, component: str) -> asl_iam.Comparison:
    """The state machine's role against its definition, as the program-wide IAM test checks every workflow."""
    state_machine = machine(run, component)
    role = inventory.role_of(run, state_machine, "roleArn")
    documents = inventory.role_policy_documents(run, role).values()
    comparison = asl_iam.compare(
        json.loads(state_machine.inputs["definition"]), documents, run, state_machine.state["arn"]
    )
    assert comparison.exact, comparison.describe()
    return comparison


def invoked(comparison: asl_iam.Comparison) -> set[str]:
    return {resource for action, resource in comparison.granted if action == "lambda:invokefunction"}


def functions(run: ProgramRun) -> list[str]:
    return sorted(r.name for r in run.of_type(inventory.FUNCTION))


# MapFanOut


def test_an_item_handler_from_any_folder_is_packaged_and_is_what_each_item_runs(tmp_path: Path, team_handler: Path):
    result = run(
        tmp_path / "program",
        f"""
        fan = MapFanOut("orders", {{
            "item_source": "input", "items_path": "$.orders",
            "item_handler": {{"code": {str(team_handler)!r}, "handler": "score.handler", "memory_mb": 512,
                              "timeout_seconds": 20, "requirements": {str(team_handler / "requirements.txt")!r}}},
        }})
        """,
    )
    function = inventory.one([r for r in result.of_type(inventory.FUNCTION)], "the item function")
    assert function.name == "orders-item-function"
    assert (function.inputs["handler"], function.inputs["memorySize"], function.inputs["timeout"]) == (
        "score.handler", 512, 20,
    )  # fmt: skip
    with zipfile.ZipFile(function.inputs["code"].path) as archive:
        assert "score.py" in archive.namelist()
    states = definition_of(result, "orders")["States"]
    assert states["ProcessItems"]["ItemsPath"] == "$.orders"
    assert states["ProcessItems"]["ItemProcessor"]["States"]["RunItem"]["Parameters"]["FunctionName"] == (
        inventory.arn(function)
    )
    assert invoked(exact_iam(result, "orders")) == {inventory.arn(function)}


def test_an_existing_item_function_is_the_only_one_the_state_machine_may_invoke(tmp_path: Path):
    result = run(
        tmp_path,
        f"""MapFanOut("orders", {{"item_source": "input", "item_function_arn": {ITEM_ARN!r}}})""",
    )
    assert functions(result) == [], "no function is built for an item function given by ARN"
    assert invoked(exact_iam(result, "orders")) == {ITEM_ARN}


def test_an_existing_table_is_the_only_one_the_state_machine_may_read(tmp_path: Path):
    result = run(
        tmp_path,
        f"""
        lists = aws.dynamodb.Table("team-lists", billing_mode="PAY_PER_REQUEST", hash_key="name",
                                   attributes=[{{"name": "name", "type": "S"}}])
        MapFanOut("orders", {{
            "table_name": lists.name, "table_key_attribute": "name", "list_name": "today",
            "items_attribute": "orders", "item_function_arn": {ITEM_ARN!r},
        }})
        """,
    )
    tables = result.of_type(inventory.TABLE)
    assert [t.name for t in tables] == ["team-lists"], "the component makes no table of its own"
    read = definition_of(result, "orders")["States"]["ReadList"]["Parameters"]
    assert read["Key"] == {"name": {"S": "today"}} and read["TableName"] == inventory.physical_name(tables[0])
    comparison = exact_iam(result, "orders")
    assert {r for a, r in comparison.granted if a == "dynamodb:getitem"} == {inventory.arn(tables[0])}


def test_a_table_given_by_name_only_is_read_by_its_arn_in_the_stacks_account_and_region(tmp_path: Path):
    result = run(
        tmp_path,
        f"""MapFanOut("orders", {{"table_name": "lists-made-elsewhere", "item_function_arn": {ITEM_ARN!r}}})""",
    )
    role = inventory.role_of(result, machine(result, "orders"), "roleArn")
    granted = asl_iam.granted_calls(inventory.role_policy_documents(result, role).values())
    assert ("dynamodb:getitem", f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/lists-made-elsewhere") in granted


def test_an_existing_producer_function_feeds_the_map(tmp_path: Path):
    result = run(
        tmp_path,
        f"""MapFanOut("orders", {{"item_source": "lambda", "producer_function_arn": {PRODUCER_ARN!r},
                                  "item_function_arn": {ITEM_ARN!r}, "max_concurrency": 5}})""",
    )
    states = definition_of(result, "orders")["States"]
    assert states["ProduceList"]["Parameters"]["FunctionName"] == PRODUCER_ARN
    assert states["IterateOverList"]["MaxConcurrency"] == 5
    assert invoked(exact_iam(result, "orders")) == {PRODUCER_ARN, ITEM_ARN}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"item_handler": {"code": ".", "handler": "x.y"}, "item_function_arn": ITEM_ARN},
         "item_handler: give item_handler or item_function_arn, not both"),
        ({"item_source": "lambda", "table_name": "t"}, "table_name: belongs to item_source 'table'"),
        ({"max_concurency": 3}, "max_concurency: is not an arg of MapFanOut"),
        ({"max_concurrency": 41}, "max_concurrency: 41 is out of range; use 0..40"),
        ({"item_source": "queue"}, "item_source: 'queue' is not one of table, lambda, input"),
        ({"item_function_arn": "score-item"}, "item_function_arn: 'score-item' is not a Lambda function ARN"),
        ({"item_handler": {"code": "/no/such/folder", "handler": "a.b"}},
         "item_handler.code: '/no/such/folder' is not a folder"),
        ({"item_handler": {"code": ".", "handler": "missing.handler"}},
         "item_handler.handler: 'missing.handler' is not"),
        ({"item_handler": {"code": ".", "handler": "main.handler", "memory_mb": 64}},
         "item_handler.memory_mb: 64 is out of range"),
        ({"item_handler": {"handler": "main.handler"}}, "item_handler.code: is required"),
        ({"log_retention_days": 31}, "log_retention_days: 31 is not one of 1, 3, 5"),
        ({"items_path": "orders", "item_source": "input"}, "items_path: 'orders' is not a JSONPath"),
        ({"tolerated_failures": -1}, "tolerated_failures: -1 is out of range; use 0..1000000"),
        ({"tolerated_failures": "3"}, "tolerated_failures: "),
    ],
)  # fmt: skip
def test_a_bad_arg_stops_the_program_with_an_error_naming_it(tmp_path: Path, args: dict[str, Any], message: str):
    (tmp_path / "main.py").write_text("def handler(event, context):\n    return event\n")
    with pytest.raises(ValueError, match="MapFanOut 'orders': ") as error:
        run(tmp_path, f"MapFanOut('orders', {args!r})")
    assert message in str(error.value)


# Every component: tags and the alarm topic


def test_tags_reach_every_taggable_resource_and_a_resources_own_tags_win(tmp_path: Path):
    result = run(
        tmp_path, """TaskTracker("chores", {"tags": {"team": "home", "cost-center": "42"}, "work_seconds": 1})"""
    )
    taggable = [r for r in result.resources if r.custom and "tags" in _input_names(r.type)]
    assert {r.type for r in taggable} >= {
        inventory.TABLE, inventory.FUNCTION, inventory.ROLE, inventory.LOG_GROUP, inventory.STATE_MACHINE,
        inventory.TOPIC, inventory.METRIC_ALARM,
    }  # fmt: skip
    for resource in taggable:
        assert resource.inputs.get("tags") == {"team": "home", "cost-center": "42"}, resource.name


def _input_names(type_: str) -> set[str]:
    """The input properties a resource type takes (its Args class), to tell taggable types from the others."""
    import importlib

    module, _, name = type_.partition(":")[2].rpartition(":")
    package = importlib.import_module(f"pulumi_aws.{module.split('/')[0].replace('lambda', 'lambda_')}")
    args = getattr(package, f"{name}Args")
    return {parameter for parameter in args.__init__.__code__.co_varnames}


def test_without_an_alarm_topic_a_component_notifies_an_encrypted_topic_of_its_own(tmp_path: Path):
    result = run(
        tmp_path,
        f"""LambdaIterator("loop", {{"count_function_arn": {COUNT_ARN!r}, "process_function_arn": {COUNT_ARN!r}}})""",
    )
    topic = inventory.one(result.of_type(inventory.TOPIC), "the component's alarm topic")
    assert topic.name == "loop-alarms-topic" and topic.inputs["kmsMasterKeyId"] == "alias/aws/sns"
    alarms = result.of_type(inventory.METRIC_ALARM)
    assert len(alarms) == 3 and all(alarm.inputs["alarmActions"] == [inventory.arn(topic)] for alarm in alarms)


# LambdaIterator and JobPoller


def test_your_own_count_and_process_functions_drive_the_iterator(tmp_path: Path, team_handler: Path):
    result = run(
        tmp_path / "program",
        f"""LambdaIterator("rows", {{"count_function_arn": {COUNT_ARN!r}, "max_iterations": 50,
            "process_handler": {{"code": {str(team_handler)!r}, "handler": "score.handler"}}}})""",
    )
    assert functions(result) == ["rows-process-iteration-function"]
    states = definition_of(result, "rows")["States"]
    assert states["GetIterationCount"]["Parameters"]["FunctionName"] == COUNT_ARN
    process = inventory.arn(result.of_type(inventory.FUNCTION)[0])
    assert invoked(exact_iam(result, "rows")) == {COUNT_ARN, process}


def test_a_job_service_given_by_function_arns_is_polled_with_no_simulated_job_left(tmp_path: Path):
    result = run(
        tmp_path,
        f"""JobPoller("renders", {{"submit_function_arn": {SUBMIT_ARN!r}, "check_function_arn": {CHECK_ARN!r},
                                   "poll_interval_seconds": 5, "max_polls": 12}})""",
    )
    assert functions(result) == [] and result.of_type(inventory.TABLE) == []
    states = definition_of(result, "renders")["States"]
    assert states["SubmitJob"]["Parameters"]["FunctionName"] == SUBMIT_ARN
    assert states["CheckJobStatus"]["Parameters"]["FunctionName"] == CHECK_ARN
    assert invoked(exact_iam(result, "renders")) == {SUBMIT_ARN, CHECK_ARN}


def test_a_submit_function_without_a_check_function_is_refused(tmp_path: Path):
    with pytest.raises(ValueError, match="give both submit_handler and check_handler"):
        run(tmp_path, f"""JobPoller("renders", {{"submit_function_arn": {SUBMIT_ARN!r}}})""")


# RecordTransfer


def test_records_from_your_table_go_to_your_standard_queue_with_no_fifo_ids(tmp_path: Path):
    result = run(
        tmp_path,
        f"""
        source = aws.dynamodb.Table("orders", billing_mode="PAY_PER_REQUEST", hash_key="orderId",
                                    attributes=[{{"name": "orderId", "type": "S"}}])
        queue = aws.sqs.Queue("shipping", sqs_managed_sse_enabled=True)
        RecordTransfer("ship", {{"seed_function_arn": {SEED_ARN!r}, "table_name": source.name,
                                 "record_key_attribute": "orderId", "queue_url": queue.url}})
        """,
    )
    assert [q.name for q in result.of_type(inventory.QUEUE)] == ["shipping"]
    assert [t.name for t in result.of_type(inventory.TABLE)] == ["orders"] and functions(result) == []
    states = definition_of(result, "ship")["States"]
    send = states["SendRecord"]["Parameters"]
    assert not {"MessageGroupId", "MessageGroupId.$", "MessageDeduplicationId.$"} & set(send)
    assert send["MessageBody"]["orderId.$"] == "$.Record.Item.orderId.S"
    assert states["ReadRecord"]["Parameters"]["Key"] == {"orderId": {"S.$": "$.List[0]"}}
    comparison = exact_iam(result, "ship")
    queue_arn = inventory.arn(result.of_type(inventory.QUEUE)[0])
    assert ("sqs:sendmessage", queue_arn) in comparison.granted and SEED_ARN in invoked(comparison)


def test_your_fifo_queue_keeps_one_message_group_per_source_table(tmp_path: Path):
    result = run(
        tmp_path,
        """
        queue = aws.sqs.Queue("shipping", fifo_queue=True, sqs_managed_sse_enabled=True)
        RecordTransfer("ship", {"queue_url": queue.url})
        """,
    )
    send = definition_of(result, "ship")["States"]["SendRecord"]["Parameters"]
    assert "MessageGroupId" in send and "MessageDeduplicationId.$" in send
    assert send["MessageGroupId"] == definition_of(result, "ship")["States"]["ReadRecord"]["Parameters"]["TableName"]
    exact_iam(result, "ship")


def test_your_seed_handler_gets_the_table_and_may_write_it(tmp_path: Path, team_handler: Path):
    result = run(
        tmp_path / "program",
        f"""RecordTransfer("ship", {{"seed_handler": {{"code": {str(team_handler)!r}, "handler": "score.handler",
                                      "environment": {{"MODE": "nightly"}}}}, "max_records": 10}})""",
    )
    seed = inventory.one(result.of_type(inventory.FUNCTION), "the seed function")
    table = inventory.one(result.of_type(inventory.TABLE), "the component's table")
    variables = seed.inputs["environment"]["variables"]
    assert variables == {"TABLE_NAME": inventory.physical_name(table), "MAX_RECORDS": "10", "MODE": "nightly"}
    role = inventory.role_of(result, seed, "role")
    granted = asl_iam.granted_calls(inventory.role_policy_documents(result, role).values())
    assert ("dynamodb:putitem", inventory.arn(table)) in granted


def test_a_queue_url_that_is_not_one_is_refused(tmp_path: Path):
    with pytest.raises(ValueError, match=r"RecordTransfer 'ship': queue_url: 'shipping' is not an SQS queue URL"):
        run(tmp_path, """RecordTransfer("ship", {"queue_url": "shipping"})""")


# TaskTracker


def test_your_work_function_runs_between_started_and_done_and_its_failure_is_recorded(tmp_path: Path):
    result = run(tmp_path, f"""TaskTracker("nightly", {{"work_function_arn": {WORK_ARN!r}}})""")
    states = definition_of(result, "nightly")["States"]
    work = states["Work"]
    assert (work["Type"], work["Parameters"]["FunctionName"], work["Next"]) == ("Task", WORK_ARN, "RecordDone")
    assert work["Catch"] == [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "RecordFailed"}]
    assert invoked(exact_iam(result, "nightly")) == {WORK_ARN}


def test_an_existing_tasks_table_is_the_one_written_and_queried(tmp_path: Path):
    result = run(
        tmp_path,
        """
        tasks = aws.dynamodb.Table("team-tasks", billing_mode="PAY_PER_REQUEST", hash_key="taskId",
                                   range_key="timestamp", attributes=[{"name": "taskId", "type": "S"},
                                                                      {"name": "timestamp", "type": "N"}])
        TaskTracker("nightly", {"table_name": tasks.name, "work_seconds": 5})
        """,
    )
    table = inventory.one(result.of_type(inventory.TABLE), "the team's table")
    assert table.name == "team-tasks"
    exact_iam(result, "nightly")
    starter = inventory.one(result.of_type(inventory.FUNCTION), "the starter")
    role = inventory.role_of(result, starter, "role")
    granted = asl_iam.granted_calls(inventory.role_policy_documents(result, role).values())
    assert ("dynamodb:query", inventory.arn(table)) in granted


def test_work_seconds_with_a_work_function_is_refused(tmp_path: Path):
    with pytest.raises(ValueError, match="work_seconds: is the stand-in Wait's length; with work_function_arn"):
        run(tmp_path, f"""TaskTracker("nightly", {{"work_function_arn": {WORK_ARN!r}, "work_seconds": 3}})""")


# ImageDownloader


def test_every_downloader_knob_is_a_component_arg(tmp_path: Path):
    result = run(
        tmp_path,
        """ImageDownloader("photos", {"batch_size": 50, "download_concurrency": 3, "map_mode": "inline",
                                      "download_memory_mb": 1769, "allowed_hosts": ["img.example.com"],
                                      "api_authorization": "none", "transition_days": 7})""",
    )
    download = inventory.one(
        [f for f in result.of_type(inventory.FUNCTION) if f.name == "photos-download-function"], "d"
    )
    assert download.inputs["memorySize"] == 1769
    variables = download.inputs["environment"]["variables"]
    assert (variables["BATCH_SIZE"], variables["MAP_MODE"], variables["ALLOWED_HOSTS"]) == (
        "50",
        "inline",
        "img.example.com",
    )
    assert definition_of(result, "photos")["States"]["DownloadInline"]["MaxConcurrency"] == 3
    route = inventory.one(result.of_type("aws:apigatewayv2/route:Route"), "the route")
    assert route.inputs["authorizationType"] == "NONE"
    exact_iam(result, "photos")


def test_an_inline_downloader_refuses_too_high_a_concurrency_given_under_its_former_name(tmp_path: Path):
    # download_map_concurrency is download_concurrency's former name, still taken (with a warning) and checked.
    with pytest.raises(ValueError, match=r"download_map_concurrency: 100 is out of range; use 1\.\.40"):
        run(tmp_path, """ImageDownloader("photos", {"map_mode": "inline", "download_map_concurrency": 100})""")


# Every part of every component, both ways

#: component -> (its Lambda parts, the args it needs besides them). JobPoller's two parts come together.
PARTS: list[tuple[str, tuple[str, ...], dict[str, Any]]] = [
    ("MapFanOut", ("item",), {}),
    ("MapFanOut", ("producer",), {"item_source": "lambda"}),
    ("LambdaIterator", ("count",), {}),
    ("LambdaIterator", ("process",), {}),
    ("JobPoller", ("submit", "check"), {}),
    ("RecordTransfer", ("seed",), {}),
    ("TaskTracker", ("work",), {}),
]


def _part_id(case: tuple[str, tuple[str, ...], dict[str, Any]]) -> str:
    return f"{case[0]}-{'+'.join(case[1])}"


@pytest.mark.parametrize("case", PARTS, ids=[_part_id(case) for case in PARTS])
def test_every_lambda_part_given_by_arn_builds_no_function_and_is_the_one_invoked(tmp_path: Path, case):
    component, parts, extra = case
    arns = {part: f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:team-{part}" for part in parts}
    args = {**extra, **{f"{part}_function_arn": arn for part, arn in arns.items()}}
    result = run(tmp_path, f"{component}('team', {args!r})")
    built = functions(result)
    assert not [name for name in built if any(f"-{part}" in name for part in parts)], built
    assert set(arns.values()) <= invoked(exact_iam(result, "team"))


@pytest.mark.parametrize("case", PARTS, ids=[_part_id(case) for case in PARTS])
def test_every_lambda_part_given_as_a_handler_spec_is_built_from_its_folder_and_invoked(
    tmp_path: Path, team_handler: Path, case
):
    component, parts, extra = case
    spec = {"code": str(team_handler), "handler": "score.handler", "environment": {"OWNER": "team"}}
    args = {**extra, **{f"{part}_handler": spec for part in parts}}
    result = run(tmp_path / "program", f"{component}('team', {args!r})")
    mine = [f for f in result.of_type(inventory.FUNCTION) if f.inputs["handler"] == "score.handler"]
    assert len(mine) == len(parts)
    for function in mine:
        assert function.inputs["environment"]["variables"]["OWNER"] == "team"
        with zipfile.ZipFile(function.inputs["code"].path) as archive:
            assert "score.py" in archive.namelist()
    assert {inventory.arn(function) for function in mine} <= invoked(exact_iam(result, "team"))


def test_no_component_reads_stack_config():
    import ast

    from tools.program import PROJECT_ROOT

    for path in sorted((PROJECT_ROOT / "components").rglob("*.py")):
        if path.name == "config.py":
            continue
        tree = ast.parse(path.read_text())
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
        assert not imported & {"config", "components.config"}, f"{path.name} imports the stack config module"
        assert "pulumi.Config(" not in path.read_text(), f"{path.name} reads stack config"
