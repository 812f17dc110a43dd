"""An arg error in a Python program is one line naming the component, the arg and the fix, as `pulumi up` prints a
`pulumi.RunError` (SFN_PATTERNS_DEBUG=1 adds the traceback); a handler spec's environment values are strings."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pulumi
import pytest
from sfn_patterns.parts import DEBUG_VARIABLE, ArgError, ResolvedArgError

from tests.support import inventory
from tools.program import PreviewMocks, ProgramError, ProgramRun, run_program

HEADER = """
import pulumi
from sfn_patterns.map_fan_out import MapFanOut
from sfn_patterns.task_tracker import TaskTracker
"""


def run(root: Path, body: str) -> ProgramRun:
    """A team's program with its handler at handlers/score/, evaluated as `pulumi preview` would."""
    (root / "handlers" / "score").mkdir(parents=True, exist_ok=True)
    (root / "handlers" / "score" / "score.py").write_text("def handler(event, context):\n    return event\n")
    (root / "__main__.py").write_text(HEADER + textwrap.dedent(body))
    return run_program(PreviewMocks(), config={"aws:region": "us-east-1"}, root=root)


def work_handler(environment: str) -> str:
    return f"""TaskTracker("nightly", {{"work_handler": {{"code": "handlers/score", "handler": "score.handler",
                                                   "environment": {environment}}}}})"""


def test_an_environment_value_that_is_not_a_string_stops_the_program_before_any_resource(tmp_path: Path):
    with pytest.raises(ArgError) as refused:
        run(tmp_path, work_handler('{"BATCH": 25}'))
    assert str(refused.value) == (
        "TaskTracker 'nightly': work_handler.environment.BATCH: expected a string, got 25: Lambda's environment "
        'holds strings only; give it as "25"'
    )
    assert isinstance(refused.value, pulumi.RunError), "pulumi up prints a RunError as its message alone"


def test_an_environment_value_from_an_output_is_checked_once_it_resolves_and_is_one_line(tmp_path: Path):
    with pytest.raises(ProgramError) as refused:
        run(tmp_path, work_handler('{"DEBUG": pulumi.Output.from_input(True)}'))
    assert str(refused.value) == (
        "TaskTracker 'nightly': work_handler.environment.DEBUG: expected a string, got true: Lambda's environment "
        'holds strings only; give it as "true"'
    )
    cause = refused.value.__cause__
    assert isinstance(cause, ResolvedArgError) and not isinstance(cause, ValueError), (
        "not a ValueError: Pulumi would bury it in its 'While processing input' errors"
    )


def test_environment_values_that_are_strings_reach_the_function(tmp_path: Path):
    result = run(tmp_path, work_handler('{"MODE": "nightly", "TABLE": pulumi.Output.from_input("scores")}'))
    work = inventory.one([r for r in result.of_type(inventory.FUNCTION) if r.name == "nightly-work-function"], "work")
    assert work.inputs["environment"]["variables"] == {"MODE": "nightly", "TABLE": "scores"}


def test_an_environment_variable_name_lambda_refuses_is_named(tmp_path: Path):
    with pytest.raises(ArgError, match=r"work_handler.environment: 'MY-VAR' is not a variable name Lambda takes"):
        run(tmp_path, work_handler('{"MY-VAR": "x"}'))


def test_a_whole_number_written_as_a_float_is_taken_and_a_fraction_is_refused(tmp_path: Path):
    result = run(tmp_path, """MapFanOut("orders", {"item_source": "input", "max_concurrency": 3.0})""")
    machine = inventory.one(result.of_type(inventory.STATE_MACHINE), "the state machine")
    concurrency = json.loads(machine.inputs["definition"])["States"]["ProcessItems"]["MaxConcurrency"]
    assert concurrency == 3 and isinstance(concurrency, int)
    with pytest.raises(
        ArgError, match=r"^MapFanOut 'orders': max_concurrency: expected a whole number 0..40, got 3.5$"
    ):
        run(tmp_path, """MapFanOut("orders", {"item_source": "input", "max_concurrency": 3.5})""")


def test_an_arg_error_is_one_line_and_the_debug_flag_adds_where_it_was_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    body = """MapFanOut("orders", {"item_source": "input", "max_concurrency": 41})"""
    with pytest.raises(ArgError) as refused:
        run(tmp_path, body)
    assert str(refused.value) == "MapFanOut 'orders': max_concurrency: 41 is out of range; use 0..40"
    monkeypatch.setenv(DEBUG_VARIABLE, "1")
    with pytest.raises(ArgError) as debugged:
        run(tmp_path, body)
    text = str(debugged.value)
    assert text.startswith("Traceback (most recent call last):\n") and "map_fan_out/component.py" in text
    assert text.endswith("\nMapFanOut 'orders': max_concurrency: 41 is out of range; use 0..40")


def test_a_programs_own_run_error_is_its_message_alone_in_the_sandbox_as_in_pulumi_up(tmp_path: Path):
    with pytest.raises(ProgramError) as stopped:
        run(tmp_path, """pulumi.Config().require("teamBucket")""")
    assert isinstance(stopped.value.__cause__, pulumi.RunError)
    assert str(stopped.value) == str(stopped.value.__cause__) and "Traceback" not in str(stopped.value)
    assert "Missing required configuration variable 'sfn-patterns:teamBucket'" in str(stopped.value)


def test_the_sandbox_command_prints_a_team_programs_arg_error_as_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    from tools.sandbox import cli

    (tmp_path / "__main__.py").write_text(
        HEADER + """MapFanOut("orders", {"item_source": "input", "max_concurrency": 41})\n"""
    )
    (tmp_path / "Pulumi.yaml").write_text("name: team-orders\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  aws:region: us-east-1\n")
    assert cli.main(["preview", "--program", str(tmp_path)]) == cli.USAGE_ERROR
    printed = capsys.readouterr()
    assert "Traceback" not in printed.out + printed.err
    assert "MapFanOut 'orders': max_concurrency: 41 is out of range; use 0..40" in printed.out.replace("\n", " ")
