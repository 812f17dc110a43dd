"""Stack config: defaults, validation messages, and how each key reaches the resources it shapes."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from components import asl
from components.config import CONFIG_KEYS, ConfigError, load_settings
from tests.support import inventory
from tools.program import PROJECT, PROJECT_ROOT, PreviewMocks, ProgramRun, run_program


def _dev_stack_keys() -> set[str]:
    config = yaml.safe_load((PROJECT_ROOT / "Pulumi.dev.yaml").read_text())["config"]
    return {key.split(":", 1)[1] for key in config if key.startswith(f"{PROJECT}:")}


def test_defaults_equal_the_dev_stack_values(stack_config: dict[str, str]):
    assert load_settings({}) == load_settings(stack_config)


def test_the_dev_stack_sets_every_config_key_and_only_those():
    assert _dev_stack_keys() == set(CONFIG_KEYS)


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        pytest.param("maxConcurrency", "-1", ["0..40"], id="maxConcurrency=-1"),
        pytest.param("maxConcurrency", "three", ["whole number", "0..40"], id="maxConcurrency=three"),
        pytest.param("maxConcurrency", "41", ["0..40", "distributed"], id="maxConcurrency=41"),
        pytest.param("waitDurationSeconds", "-1", ["0..31536000"], id="waitDurationSeconds=-1"),
        pytest.param("waitDurationSeconds", "x", ["whole number", "0..31536000"], id="waitDurationSeconds=x"),
        pytest.param("timeoutDurationSeconds", "0", ["1..31536000"], id="timeoutDurationSeconds=0"),
        pytest.param("timeoutDurationSeconds", "1.5", ["whole number", "1..31536000"], id="timeoutDurationSeconds=1.5"),
        pytest.param("toleratedFailures", "-1", ["0..1000000"], id="toleratedFailures=-1"),
        pytest.param("toleratedFailures", "one", ["whole number", "0..1000000"], id="toleratedFailures=one"),
        pytest.param("logRetentionDays", "2", ["1, 3, 5, 7", "3653"], id="logRetentionDays=2"),
        pytest.param(
            "lambdaRuntime", "python2.7", ["python3.11, python3.12, python3.13"], id="lambdaRuntime=python2.7"
        ),
        pytest.param("lambdaArchitecture", "ppc", ["x86_64, arm64"], id="lambdaArchitecture=ppc"),
        pytest.param("logLevel", "LOUD", ["ALL, ERROR, FATAL, OFF"], id="logLevel=LOUD"),
        pytest.param("alarmEmail", "not-an-email", ["'not-an-email'", "e-mail address"], id="alarmEmail=not-an-email"),
    ],
)
def test_an_invalid_value_is_refused_naming_the_key_and_what_is_valid(key: str, value: str, expected: list[str]):
    with pytest.raises(ConfigError) as refused:
        load_settings({key: value})
    message = str(refused.value)
    assert refused.value.key == key
    assert f"'{key}'" in message
    for fragment in expected:
        assert fragment in message, f"{message!r} lacks {fragment!r}"


def test_an_invalid_value_stops_the_whole_program_naming_the_key(run_with):
    with pytest.raises(ConfigError, match="maxConcurrency") as refused:
        run_with(maxConcurrency="-1")
    assert refused.value.key == "maxConcurrency"


def test_the_program_runs_again_after_an_invalid_config_stopped_it(program: ProgramRun):
    with pytest.raises(ConfigError):
        run_program(PreviewMocks(), overrides={"lambdaArchitecture": "ppc"})
    again = run_program(PreviewMocks())
    assert sorted(r.urn for r in again.resources) == sorted(r.urn for r in program.resources)
    assert again.outputs == program.outputs


def _definition(run: ProgramRun, output: str) -> dict[str, Any]:
    state_machine = inventory.by_arn(run, inventory.STATE_MACHINE, run.outputs[output])
    return json.loads(state_machine.inputs["definition"])


def _map_knobs(definition: dict[str, Any]) -> tuple[int, list[int], int]:
    """(Map MaxConcurrency, Wait seconds inside the Map, the execution's TimeoutSeconds)."""
    maps = [state for _, state in asl.iter_states(definition) if state["Type"] == "Map"]
    assert len(maps) == 1
    waits = [state["Seconds"] for _, state in asl.iter_states(maps[0]["ItemProcessor"]) if state["Type"] == "Wait"]
    return maps[0]["MaxConcurrency"], waits, definition["TimeoutSeconds"]


def test_the_dev_stack_knobs_show_in_the_map_fan_out_definition(program: ProgramRun):
    assert _map_knobs(_definition(program, "mapFanOutStateMachineArn")) == (1, [2], 60)


def test_concurrency_wait_and_timeout_config_show_in_the_map_fan_out_definition(run_with):
    run = run_with(maxConcurrency="3", waitDurationSeconds="5", timeoutDurationSeconds="20")
    assert _map_knobs(_definition(run, "mapFanOutStateMachineArn")) == (3, [5], 20)


def test_parallel_lambda_runs_every_item_at_once_without_waiting_and_shares_the_timeout(run_with):
    run = run_with(maxConcurrency="3", waitDurationSeconds="5", timeoutDurationSeconds="20")
    assert _map_knobs(_definition(run, "parallelLambdaStateMachineArn")) == (0, [], 20)


def test_tolerated_failures_config_is_the_failure_both_fan_outs_fail_at(run_with):
    run = run_with(toleratedFailures="2")
    for output in ("mapFanOutStateMachineArn", "parallelLambdaStateMachineArn"):
        [rule] = _definition(run, output)["States"]["WithinTolerance?"]["Choices"]
        assert (rule["Variable"], rule["Next"]) == ("$.failures[2]", "ItemsFailed"), output


def test_log_retention_config_reaches_every_log_group(run_with):
    groups = run_with(logRetentionDays="7").of_type(inventory.LOG_GROUP)
    assert groups
    assert {group.name: group.inputs["retentionInDays"] for group in groups} == {group.name: 7 for group in groups}


def test_lambda_runtime_config_reaches_every_function(run_with):
    functions = run_with(lambdaRuntime="python3.13").of_type(inventory.FUNCTION)
    assert functions
    assert {function.inputs["runtime"] for function in functions} == {"python3.13"}


def test_an_alarm_email_subscribes_that_address_to_the_alarm_topic(run_with):
    run = run_with(alarmEmail="oncall@example.com")
    subscriptions = run.of_type(inventory.TOPIC_SUBSCRIPTION)
    assert [(s.inputs["protocol"], s.inputs["endpoint"], s.inputs["topic"]) for s in subscriptions] == [
        ("email", "oncall@example.com", run.outputs["alarmTopicArn"])
    ]


def test_no_alarm_email_means_no_subscription(program: ProgramRun, stack_config: dict[str, str]):
    assert stack_config["alarmEmail"] == ""
    assert program.of_type(inventory.TOPIC_SUBSCRIPTION) == []


def test_the_alarm_topic_is_encrypted_with_the_aws_managed_sns_key(program: ProgramRun):
    topic = inventory.by_arn(program, inventory.TOPIC, program.outputs["alarmTopicArn"])
    assert topic.inputs["kmsMasterKeyId"] == "alias/aws/sns"


def test_every_table_is_on_demand_encrypted_and_point_in_time_recoverable(table):
    assert table.inputs["billingMode"] == "PAY_PER_REQUEST"
    assert table.inputs["serverSideEncryption"] == {"enabled": True}
    assert table.inputs["pointInTimeRecovery"] == {"enabled": True}


@pytest.mark.parametrize(
    ("old", "new", "value", "read"),
    [
        ("toleratedItemFailures", "toleratedFailures", "2", lambda s: s.map_fan_out.tolerated_failures),
        ("downloadMapConcurrency", "downloadConcurrency", "7", lambda s: s.image_downloader.download_concurrency),
        ("imageDownloaderTimeoutSeconds", "executionTimeoutSeconds", "60",
         lambda s: s.image_downloader.execution_timeout_seconds),
        ("sfnLogLevel", "logLevel", "ALL", lambda s: s.common.log_level),
    ],
)  # fmt: skip
def test_a_renamed_key_still_works_with_a_warning_naming_its_new_key(capsys, caplog, old, new, value, read):
    assert read(load_settings({new: value})) == read(load_settings({old: value})) != read(load_settings({}))
    warned = capsys.readouterr().err + caplog.text  # pulumi.log.warn: to the engine's log under mocks, else stderr
    assert f"config key '{old}' is deprecated: it is '{new}' now" in warned
    assert f"pulumi config set {new}" in warned


def test_a_key_no_setting_declares_is_refused_naming_the_nearest_one():
    from components.config import check_stack_keys

    with pytest.raises(ConfigError, match="did you mean 'maxConcurrency'") as refused:
        check_stack_keys(["maxConcurency", "maxConcurrency"])
    assert refused.value.key == "maxConcurency"


def test_every_key_the_prod_stack_sets_is_a_declared_setting_and_none_is_a_former_name():
    from components.config import OLD_KEYS

    config = yaml.safe_load((PROJECT_ROOT / "Pulumi.prod.yaml").read_text())["config"]
    keys = {key.split(":", 1)[1] for key in config if key.startswith(f"{PROJECT}:")}
    assert keys <= set(CONFIG_KEYS)
    assert not (keys | _dev_stack_keys()) & set(OLD_KEYS)


def test_a_setting_is_declared_once_its_config_key_default_and_range_come_from_the_declaration():
    from components.catalog import schema
    from tools import component_docs

    table = component_docs.render()
    assert "| `maxConcurrency` | integer | 1 | 0..40 | `maxConcurrency` |" in table
    served = schema()["resources"]["sfn-patterns:index:MapFanOut"]["inputProperties"]["maxConcurrency"]
    assert served["description"].endswith(" Values 0..40; default 1.")  # what other languages' programs read
    assert "| `toleratedFailures` | integer | 0 | 0..1000000 | `toleratedFailures` |" in table
    assert load_settings({}).map_fan_out.tolerated_failures == 0
    with pytest.raises(ConfigError, match=r"0\.\.1000000"):
        load_settings({"toleratedFailures": "1000001"})
