"""The components as a TypeScript, Go or YAML program gets them: the provider started as the engine starts a plugin,
asked to Construct each component over gRPC (every number a double, as a protobuf Struct carries it), by a small
engine and resource monitor of Pulumi's own gRPC services (tests/support/fake_engine.py)."""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
import yaml
from pulumi.runtime.proto import engine_pb2

from tests.support import inventory
from tests.support.fake_engine import STACK_URN, ConstructRefused, FakeEngine, PropertyError
from tools.program import PROJECT_ROOT, RegisteredResource

ACCOUNT, REGION = "123456789012", "us-east-1"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:team-function"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:team-alarms"
STATEMENT = {
    "Effect": "Allow",
    "Action": ["dynamodb:PutItem"],
    "Resource": [f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/s"],
}
#: A handler spec as another language writes it: its code folder relative to the program's own folder.
HANDLER_SPEC = {
    "code": "handlers/score",
    "handler": "score.handler",
    "memoryMb": 512,
    "timeoutSeconds": 20,
    "environment": {"MODE": "nightly"},
    "statements": [STATEMENT],
}
#: Every component's shared args, one of each schema type: integer, boolean, string, map, an ARN.
COMMON = {"logRetentionDays": 7, "retainData": True, "lambdaRuntime": "python3.12", "tags": {"team": "ops"},
          "alarmTopicArn": TOPIC_ARN}  # fmt: skip
#: Each component with its own args of every type it has (a list, a handler spec, its whole numbers, a function ARN),
#: and where a whole number shows in its state machine's definition.
EVERY_TYPE: dict[str, tuple[dict[str, Any], str, int]] = {
    "MapFanOut": (
        {"itemSource": "input", "itemsPath": "$.orders", "maxConcurrency": 3, "waitDurationSeconds": 0,
         "itemHandler": HANDLER_SPEC},
        "MaxConcurrency", 3,
    ),
    "ImageDownloader": (
        {"allowedHosts": ["images.example.com"], "allowInsecureHttp": False, "batchSize": 20, "downloadMemoryMb": 1024,
         "executionTimeoutSeconds": 1800},
        "TimeoutSeconds", 1800,
    ),
    "JobPoller": (
        {"submitHandler": HANDLER_SPEC, "checkFunctionArn": FUNCTION_ARN, "pollIntervalSeconds": 5, "maxPolls": 10,
         "jobTimeoutSeconds": 300},
        "TimeoutSeconds", 300,
    ),
    "LambdaIterator": (
        {"countFunctionArn": FUNCTION_ARN, "processHandler": HANDLER_SPEC, "maxIterations": 50},
        "FunctionName", 0,
    ),
    "RecordTransfer": ({"seedHandler": HANDLER_SPEC, "maxRecords": 10}, "FunctionName", 0),
    "TaskTracker": ({"workHandler": HANDLER_SPEC, "taskTimeoutSeconds": 7200}, "TimeoutSeconds", 7200),
}  # fmt: skip


#: What a component needs beside the one bad arg: JobPoller takes both of its handlers, or neither.
BASE: dict[str, dict[str, Any]] = {"JobPoller": {"submitHandler": HANDLER_SPEC, "checkHandler": HANDLER_SPEC}}
#: What an arg needs beside it: MapFanOut's producer belongs to a list a Lambda produces.
NEEDS: dict[str, dict[str, Any]] = {
    "producerHandler": {"itemSource": "lambda"},
    "producerFunctionArn": {"itemSource": "lambda"},
}


@pytest.fixture(scope="module")
def program_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A team's program folder in another language, with its handler code at handlers/score/."""
    folder = tmp_path_factory.mktemp("team-program")
    (folder / "handlers" / "score").mkdir(parents=True)
    (folder / "handlers" / "score" / "score.py").write_text("def handler(event, context):\n    return event\n")
    return folder


@pytest.fixture(scope="module")
def engine(program_folder: Path) -> Iterator[FakeEngine]:
    """One provider process for the module, started in the program's folder as `pulumi up` starts it."""
    with FakeEngine(program_folder).running() as running:
        yield running


def schema() -> dict[str, Any]:
    document: dict[str, Any] = json.loads((PROJECT_ROOT / "provider" / "schema.json").read_text())
    return document


def construct(engine: FakeEngine, component: str, name: str, inputs: dict[str, Any]) -> Any:
    return engine.construct(component, name, inputs)


def refused(engine: FakeEngine, component: str, name: str, inputs: dict[str, Any]) -> PropertyError:
    with pytest.raises(ConstructRefused) as raised:
        engine.construct(component, name, inputs)
    refusal = raised.value.refused
    assert refusal.code == grpc.StatusCode.INVALID_ARGUMENT, refusal
    assert "\n" not in refusal.message and "Traceback" not in refusal.message, refusal.message
    assert refusal.message.startswith(f"{component} {name!r}: "), refusal.message
    return refusal


def definition(children: list[RegisteredResource]) -> dict[str, Any]:
    machine = inventory.one([r for r in children if r.type == inventory.STATE_MACHINE], "the state machine")
    loaded: dict[str, Any] = json.loads(machine.inputs["definition"])
    return loaded


def values_of(document: Any, key: str) -> list[Any]:
    """Every value of `key` anywhere in a JSON document."""
    if isinstance(document, dict):
        return [v for k, v in document.items() if k == key] + [x for v in document.values() for x in values_of(v, key)]
    if isinstance(document, list):
        return [x for item in document for x in values_of(item, key)]
    return []


def test_the_provider_serves_the_committed_schema(engine: FakeEngine):
    assert json.loads(engine.schema()) == schema()


@pytest.mark.parametrize("component", sorted(EVERY_TYPE))
def test_each_component_constructs_with_an_arg_of_every_type_as_another_language_sends_it(
    engine: FakeEngine, program_folder: Path, component: str
):
    own, key, number = EVERY_TYPE[component]
    name = f"every-{component.lower()}"
    constructed = construct(engine, component, name, {**COMMON, **own})

    resource = schema()["resources"][f"sfn-patterns:index:{component}"]
    assert "stateMachineArn" in constructed.outputs and set(constructed.outputs) <= set(resource["properties"])
    assert constructed.outputs["stateMachineArn"].startswith(f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}")
    children = constructed.children
    top = inventory.one([r for r in engine.monitor.registered if r.urn == constructed.urn], component)
    assert top.parent == STACK_URN
    if number:  # a whole number sent as a double reaches the definition as an integer, not 3.0
        found = values_of(definition(children), key)
        assert number in found and all(not isinstance(value, float) for value in found), found
    functions = [r for r in children if r.type == inventory.FUNCTION]
    assert functions and all(f.inputs["tags"] == {"team": "ops"} for f in functions)
    assert {r.inputs["retentionInDays"] for r in children if r.type == inventory.LOG_GROUP} == {7}
    assert not [r for r in children if r.type == "sfn-patterns:index:AlarmTopic"], "alarmTopicArn: no alarm topic"
    assert all(r.protect for r in children if r.type in {inventory.TABLE, "aws:s3/bucket:Bucket"}), "retainData"
    assert FUNCTION_ARN in json.dumps(definition(children)) or "FunctionArn" not in json.dumps(own)
    built = [f for f in functions if f.inputs["handler"] == "score.handler"]
    assert len(built) == int(any(isinstance(v, dict) for v in own.values()))
    for function in built:  # the handler spec: its relative code read from the program's folder, its numbers
        assert (function.inputs["memorySize"], function.inputs["timeout"]) == (512, 20)
        assert function.inputs["environment"]["variables"]["MODE"] == "nightly"
        with zipfile.ZipFile(function.inputs["code"].path) as archive:
            assert archive.read("score.py") == (program_folder / "handlers" / "score" / "score.py").read_bytes()
        role = inventory.one([r for r in children if r.name == function.name.replace("-function", "-policy")], "policy")
        assert STATEMENT in json.loads(role.inputs["policy"])["Statement"]
    if component == "ImageDownloader":
        download = inventory.one([f for f in functions if f.name.endswith("-download-function")], "download")
        assert download.inputs["memorySize"] == 1024
        assert download.inputs["environment"]["variables"]["ALLOWED_HOSTS"] == "images.example.com"
        assert download.inputs["environment"]["variables"]["BATCH_SIZE"] == "20"


def bad_values(component: str) -> list[tuple[str, dict[str, Any], str, str]]:
    """(case, inputs, the property the engine is told of, what its reason says) for a bad value of each type the
    component's schema has: read from the schema, so a new arg of a type is covered."""
    inputs = schema()["resources"][f"sfn-patterns:index:{component}"]["inputProperties"]
    cases = [
        ("integer-fraction", {"logRetentionDays": 7.5}, "logRetentionDays", "7.5 is not one of"),
        ("integer-text", {"logRetentionDays": "7"}, "logRetentionDays", 'expected a whole number, got "7"'),
        ("boolean", {"retainData": "yes"}, "retainData", "expected true or false, got 'yes'"),
        ("string", {"lambdaRuntime": 3.12}, "lambdaRuntime", "3.12 is not one of python3.11"),
        ("map", {"tags": {"team": 3}}, "tags", "expected a mapping of strings to strings"),
        ("topic-arn", {"alarmTopicArn": "arn:aws:s3:::team-alarms"}, "alarmTopicArn", "is not an SNS topic ARN"),
    ]
    own_integer = next(
        key for key, spec in inputs.items() if spec.get("type") == "integer" and key != "logRetentionDays"
    )
    cases.append(("own-integer", {own_integer: 2.5}, own_integer, "expected a whole number"))
    for key, spec in inputs.items():
        if spec.get("$ref", "").endswith(":HandlerSpec"):
            arn = key.removesuffix("Handler") + "FunctionArn"
            cases += [
                (f"{key}-not-an-object", {key: "score"}, key, "expected an object with code and handler"),
                (f"{key}-missing-folder", {key: {**HANDLER_SPEC, "code": "no/such/folder"}}, f"{key}.code",
                 "is not a folder"),
                (f"{key}-memory", {key: {**HANDLER_SPEC, "memoryMb": 64}}, f"{key}.memoryMb", "128..10240"),
                (f"{key}-memory-fraction", {key: {**HANDLER_SPEC, "memoryMb": 512.5}}, f"{key}.memoryMb", "512.5"),
                (f"{key}-environment", {key: {**HANDLER_SPEC, "environment": {"MODE": 3}}},
                 f"{key}.environment.MODE", 'expected a string, got 3: Lambda\'s environment holds strings only'),
                (f"{key}-statements", {key: {**HANDLER_SPEC, "statements": "dynamodb:PutItem"}},
                 f"{key}.statements", "expected a list of IAM statement objects"),
                (f"{arn}", {key: None, arn: "arn:aws:s3:::not-a-function"}, arn, "is not a Lambda function ARN"),
                (f"{key}-and-{arn}", {key: HANDLER_SPEC, arn: FUNCTION_ARN}, key, f"give {key} or {arn}, not both"),
            ]  # fmt: skip
        if spec.get("type") == "array":
            cases.append((key, {key: "images.example.com"}, key, "expected a list of non-empty strings"))
    return [
        (case, {**NEEDS.get(path.split(".")[0], {}), **inputs}, path, reason) for case, inputs, path, reason in cases
    ]


#: Every arg's Python spelling (`max_concurrency`), which a program in another language never wrote.
PYTHON_NAMES = {
    re.sub("([A-Z])", r"_\\1", key).lower()
    for resource in schema()["resources"].values()
    for key in [*resource["inputProperties"], *schema()["types"]["sfn-patterns:index:HandlerSpec"]["properties"]]
    if key.lower() != key
}
CASES = [(component, *case) for component in sorted(EVERY_TYPE) for case in bad_values(component)]


@pytest.mark.parametrize(
    ("component", "case", "inputs", "path", "reason"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES]
)
def test_a_bad_value_of_each_type_is_refused_as_a_bad_input_property_named_as_the_schema_spells_it(
    engine: FakeEngine, component: str, case: str, inputs: dict[str, Any], path: str, reason: str
):
    refusal = refused(engine, component, "bad", {"lambdaRuntime": "python3.12", **BASE.get(component, {}), **inputs})
    assert list(refusal.properties) == [path], refusal
    assert reason in refusal.properties[path], refusal
    assert f": {path}: " in refusal.message
    assert not PYTHON_NAMES & set(re.findall(r"[a-z_]+", refusal.message)), "a Python name, to another language"


def test_a_whole_number_out_of_range_names_the_range_in_the_schemas_spelling(engine: FakeEngine):
    refusal = refused(engine, "MapFanOut", "nightly", {"maxConcurrency": 41})
    assert refusal.message == "MapFanOut 'nightly': maxConcurrency: 41 is out of range; use 0..40"
    assert refusal.properties == {"maxConcurrency": "41 is out of range; use 0..40"}


def test_an_environment_value_from_another_resource_is_checked_once_it_resolves(engine: FakeEngine):
    """A value with a dependency arrives as an output value; the check runs when it resolves, and is still a
    property error, not a crash in the deploy."""
    dependency = "urn:pulumi:dev::team-program::aws:dynamodb/table:Table::scores"
    resolved = {"4dabf18193072939515e22adb298388d": "d0e6a833031e9bbcd3f4e8bde6ca49a4", "value": 3,
                "dependencies": [dependency]}  # fmt: skip
    spec = {**HANDLER_SPEC, "environment": {"TABLE": resolved}}
    refusal = refused(engine, "TaskTracker", "late", {"workHandler": spec})
    assert refusal.properties == {
        "workHandler.environment.TABLE": "expected a string, got 3: Lambda's environment holds strings only; "
        'give it as "3"'
    }
    shown = [message for severity, message in engine.engine.logs if severity != engine_pb2.DEBUG]  # as `pulumi up`
    assert "Traceback" not in engine.provider_errors() + "".join(shown)
    resolved["value"] = "scores-table"
    constructed = construct(engine, "TaskTracker", "late-ok", {"workHandler": spec})
    work = inventory.one([r for r in constructed.children if r.name == "late-ok-work-function"], "work function")
    assert work.inputs["environment"]["variables"]["TABLE"] == "scores-table"


def test_a_plain_arg_from_another_resources_output_is_refused_naming_it(engine: FakeEngine):
    """maxConcurrency shapes the definition when the component is built: it cannot wait for another resource."""
    later = {"4dabf18193072939515e22adb298388d": "d0e6a833031e9bbcd3f4e8bde6ca49a4", "value": 3,
             "dependencies": ["urn:pulumi:dev::team-program::aws:dynamodb/table:Table::scores"]}  # fmt: skip
    refusal = refused(engine, "MapFanOut", "later", {"maxConcurrency": later})
    assert list(refusal.properties) == ["maxConcurrency"]
    assert "is another resource's output" in refusal.properties["maxConcurrency"]


def test_a_bad_component_name_is_refused_in_one_line(engine: FakeEngine):
    refusal = refused(engine, "MapFanOut", "nightly orders", {})
    assert "use letters, digits and -" in refusal.message and refusal.properties == {}


def test_a_relative_code_path_is_refused_when_the_provider_runs_in_its_own_folder():
    """Started in its own folder (not by the engine, which starts it in the program's), the provider cannot know the
    program's folder: a relative path is refused with a message saying so, never read from the provider's folder."""
    with FakeEngine(PROJECT_ROOT).running() as own:
        spec = {**HANDLER_SPEC, "code": "handlers/map_fan_out", "handler": "map_fan_out.log_item.handler"}
        refusal = refused(own, "MapFanOut", "relative", {"itemHandler": spec})
        assert list(refusal.properties) == ["itemHandler.code"]
        assert "is relative, and the provider was started in its own folder" in refusal.message
        assert "give an absolute path" in refusal.message
        absolute = {**spec, "code": str(PROJECT_ROOT / "handlers" / "map_fan_out")}
        constructed = own.construct("MapFanOut", "absolute", {"itemHandler": absolute})
        assert "absolute-item-function" in [r.name for r in constructed.children if r.type == inventory.FUNCTION]


def readme_examples() -> tuple[dict[str, Any], dict[str, Any]]:
    """The docs' TypeScript and YAML examples' TaskTracker args, read from the page that includes them."""
    section = (PROJECT_ROOT / "docs" / "using-components.md").read_text().split("## From TypeScript, Go or YAML", 1)[1]
    typescript = re.search(r"```typescript\n(.*?)```", section, re.S)
    yaml_block = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert typescript and yaml_block
    literal = re.search(r"new sfn\.TaskTracker\(\"nightly\", (\{.*?\})\);", typescript.group(1), re.S)
    assert literal, "the TypeScript example constructs TaskTracker 'nightly'"
    from_typescript = yaml.safe_load(literal.group(1))  # a plain object literal is a YAML flow mapping
    from_yaml = yaml.safe_load(yaml_block.group(1))["resources"]["nightly"]["properties"]
    return from_typescript, from_yaml


def resolved(value: Any) -> Any:
    """`reportFunction.arn` (TypeScript) or `${reportFunction.arn}` (YAML): another resource's function ARN."""
    if isinstance(value, str):
        reference = re.fullmatch(r"\$\{(\w+)\.arn\}|(\w+)\.arn", value)
        if reference:
            return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{reference.group(1) or reference.group(2)}"
    if isinstance(value, dict):
        return {key: resolved(item) for key, item in value.items()}
    return value


def test_the_readmes_typescript_and_yaml_examples_construct_with_their_numbers(engine: FakeEngine):
    from_typescript, from_yaml = (resolved(example) for example in readme_examples())
    assert from_typescript == from_yaml, "the two examples say the same"
    numbers = {key: value for key, value in from_typescript.items() if isinstance(value, int)}
    assert numbers, "the examples set at least one number"
    constructed = construct(engine, "TaskTracker", "nightly", from_typescript)
    assert constructed.outputs["starterFunctionName"].startswith("nightly-start-task-function")
    document = definition(constructed.children)
    for key, value in numbers.items():
        field = {"taskTimeoutSeconds": "TimeoutSeconds"}[key]
        assert values_of(document, field) == [value]


def test_the_readmes_example_of_a_bad_arg_is_what_the_provider_answers(engine: FakeEngine):
    section = (PROJECT_ROOT / "docs" / "using-components.md").read_text().split("## From TypeScript, Go or YAML", 1)[1]
    example = re.search(r"naming it as you wrote it: `(TaskTracker 'nightly': (\w+): (\d+) .*?)`", section, re.S)
    assert example, "the docs show a bad arg's one line"
    line, arg, value = " ".join(example.group(1).split()), example.group(2), int(example.group(3))
    assert refused(engine, "TaskTracker", "nightly", {arg: value}).message == line
