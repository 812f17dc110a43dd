"""JSONata and Variables in the sandbox give the results AWS's documentation gives, its errors included."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support.embedded import create_state_machine, run, wait
from tools.sandbox import variables
from tools.sandbox.aws import EmbeddedAws
from tools.sandbox.rules import DeployRuleError, check_resource

TRANSFORMING_DATA = "https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html"
VARIABLES = "https://docs.aws.amazon.com/step-functions/latest/dg/workflow-variables.html"


@pytest.fixture(scope="module")
def aws() -> Iterator[EmbeddedAws]:
    with EmbeddedAws() as embedded:
        yield embedded


def jsonata(states: dict[str, Any], start: str | None = None) -> dict[str, Any]:
    return {"QueryLanguage": "JSONata", "StartAt": start or next(iter(states)), "States": states}


def output(described: dict[str, Any]) -> Any:
    assert described["status"] == "SUCCEEDED", (described.get("error"), described.get("cause"))
    return json.loads(described["output"])


def test_the_transforming_data_pages_jsonpath_and_jsonata_samples_give_its_result(aws):
    # TRANSFORMING_DATA, "Sample after conversion to JSONata": input {"title": "Doctor"}, customerName "María".
    expected = {"static": "Hello", "title": "Doctor", "name": "María", "not-evaluated": "$customerName"}
    assign = {"Type": "Pass", "Assign": {"customerName": "María"}, "Next": "Build"}
    jsonpath = {
        "StartAt": "Assign",
        "States": {
            "Assign": assign,
            "Build": {
                "Type": "Pass",
                "Parameters": {
                    "static": "Hello",
                    "title.$": "$.title",
                    "name.$": "$customerName",
                    "not-evaluated": "$customerName",
                },
                "End": True,
            },
        },
    }
    converted = jsonata(
        {
            "Assign": assign,
            "Build": {
                "Type": "Pass",
                "Output": {
                    "static": "Hello",
                    "title": "{% $states.input.title %}",
                    "name": "{% $customerName %}",
                    "not-evaluated": "$customerName",
                },
                "End": True,
            },
        }
    )
    assert output(run(aws, jsonpath, '{"title": "Doctor"}')) == expected
    assert output(run(aws, converted, '{"title": "Doctor"}')) == expected


def test_the_functions_step_functions_adds_give_the_documented_values(aws):
    # TRANSFORMING_DATA, "JSONata functions provided by Step Functions": $partition, $range, $hash, $random,
    # $uuid, $parse. $hash's value is States.Hash's documented one for the same data and algorithm
    # (https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html#asl-intrsc-func-hash-calc).
    definition = jsonata(
        {
            "Functions": {
                "Type": "Pass",
                "Output": {
                    "partition": "{% $partition([1,2,3,4], 2) %}",
                    "range": "{% $range(0, 10, 2) %}",
                    "hash": "{% $hash($states.input.Data, $states.input.Algorithm) %}",
                    "random": "{% $random() %}",
                    "seeded": "{% [$random(7), $random(7)] %}",
                    "uuid": "{% $uuid() %}",
                    "parsed": "{% $parse($states.input.json_string) %}",
                },
                "End": True,
            }
        }
    )
    document = {"Data": "input data", "Algorithm": "SHA-1", "json_string": '{"foo": "bar", "n": [1, 2]}'}
    result = output(run(aws, definition, json.dumps(document)))
    assert result["partition"] == [[1, 2], [3, 4]]
    assert result["range"] == [0, 2, 4, 6, 8, 10]
    assert result["hash"] == "aaff4a450a104cd177d28d18d74485e8cae074b7"
    assert 0 <= result["random"] < 1
    assert result["seeded"][0] == result["seeded"][1]
    assert uuid.UUID(result["uuid"]).version == 4
    assert result["parsed"] == {"foo": "bar", "n": [1, 2]}


def test_an_undefined_result_fails_with_query_evaluation_error_a_catch_reads_as_error_output(aws):
    # States.QueryEvaluationError (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html)
    # is caught by name; the catcher's Output reads $states.errorOutput (VARIABLES, "Reserved variable: $states").
    definition = jsonata(
        {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:sfn:listStateMachines",
                "Arguments": {"MaxResults": "{% $states.input.absent %}"},
                "Catch": [
                    {
                        "ErrorEquals": ["States.QueryEvaluationError"],
                        "Output": "{% $states.errorOutput %}",
                        "Next": "Caught",
                    }
                ],
                "End": True,
            },
            "Caught": {"Type": "Pass", "End": True},
        }
    )
    caught = output(run(aws, definition, "{}"))
    assert caught["Error"] == "States.QueryEvaluationError"
    assert caught["Cause"].endswith(
        "The JSONata expression '$states.input.absent' specified for the field 'Arguments/MaxResults' returned nothing"
        " (undefined)."
    )


def test_a_type_error_and_a_function_result_fail_the_state_with_query_evaluation_error(aws):
    # TRANSFORMING_DATA: an expression's result must be JSON; the error handling page names the error.
    failed = run(
        aws, jsonata({"Add": {"Type": "Pass", "Output": "{% $states.input.s + 1 %}", "End": True}}), '{"s": "a"}'
    )
    assert failed["error"] == "States.QueryEvaluationError"
    assert "'$states.input.s + 1' specified for the field 'Output'" in failed["cause"]
    assert "T2001" in failed["cause"]
    function = jsonata({"Fn": {"Type": "Pass", "Output": {"f": "{% function($x){$x} %}"}, "End": True}})
    described = run(aws, function, "{}")
    assert described["error"] == "States.QueryEvaluationError"
    assert described["cause"].endswith("for the field 'Output/f' returned an unsupported result type.")


def test_eval_is_not_available_and_parse_takes_its_place(aws):
    # TRANSFORMING_DATA, "Supported JSONata version": every built-in function but $eval; use $parse.
    described = run(aws, jsonata({"Eval": {"Type": "Pass", "Output": "{% $eval('1 + 1') %}", "End": True}}), "{}")
    assert described["error"] == "States.QueryEvaluationError"
    assert "$eval is not supported" in described["cause"]


def test_a_state_overrides_the_state_machines_query_language(aws):
    # TRANSFORMING_DATA: QueryLanguage "set explicitly; could be set and inherited from top-level".
    definition = {
        "StartAt": "Path",
        "States": {
            "Path": {"Type": "Pass", "Parameters": {"a.$": "$.a"}, "Next": "Nata"},
            "Nata": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% $states.input.a * 10 %}", "End": True},
        },
    }
    assert output(run(aws, definition, '{"a": 4}')) == 40
    downgrade = jsonata({"P": {"Type": "Pass", "QueryLanguage": "JSONPath", "End": True}})
    with pytest.raises(ClientError, match="'QueryLanguage' can not be 'JSONPath' if set to 'JSONata'"):
        create_state_machine(aws, downgrade)


def test_states_input_result_and_context_and_a_variable_of_each_as_the_variables_page_shows(aws):
    # VARIABLES, "Reserved variable: $states": input is the state's original input, result the task's (here the
    # Parallel's) result, context the context object; Assign in a JSONata state reads $states.result.
    definition = jsonata(
        {
            "Work": {
                "Type": "Parallel",
                "Branches": [{"StartAt": "One", "States": {"One": {"Type": "Pass", "Output": 1, "End": True}}}],
                "Assign": {"sum": "{% $sum($states.result) %}", "name": "{% $states.context.Execution.Name %}"},
                "Output": {"input": "{% $states.input %}", "result": "{% $states.result %}"},
                "Next": "Read",
            },
            "Read": {"Type": "Pass", "Output": {"sum": "{% $sum %}", "name": "{% $name %}"}, "End": True},
        }
    )
    arn = create_state_machine(aws, definition)
    sfn = aws.client("stepfunctions")
    execution_arn = sfn.start_execution(stateMachineArn=arn, name="named-run", input='{"k": "v"}')["executionArn"]
    assert output(wait(aws, execution_arn)) == {"sum": 1, "name": "named-run"}
    history = sfn.get_execution_history(executionArn=execution_arn)["events"]
    work = next(event for event in history if event.get("stateExitedEventDetails", {}).get("name") == "Work")
    assert json.loads(work["stateExitedEventDetails"]["output"]) == {"input": {"k": "v"}, "result": [1]}


def test_an_inner_map_reads_the_outer_variables_and_its_own_assignments_stay_inside(aws):
    # VARIABLES, "Variable scope": a Map or Parallel's states read the outer variables; what they assign is local.
    definition = {
        "StartAt": "Outer",
        "States": {
            "Outer": {"Type": "Pass", "Assign": {"who.$": "$.name"}, "Next": "Each"},
            "Each": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemProcessor": {
                    "StartAt": "Inner",
                    "States": {
                        "Inner": {"Type": "Pass", "Assign": {"inner": 1}, "Parameters": {"w.$": "$who"}, "End": True}
                    },
                },
                "ResultPath": "$.seen",
                "Next": "After",
            },
            "After": {"Type": "Pass", "Parameters": {"inner.$": "$inner"}, "End": True},
        },
    }
    described = run(aws, definition, '{"name": "María", "items": [1, 2]}')
    assert (described["error"], "'$inner'" in described["cause"]) == ("States.Runtime", True)
    history = aws.client("stepfunctions").get_execution_history(executionArn=described["executionArn"])["events"]
    inner = [
        e["stateExitedEventDetails"] for e in history if e.get("stateExitedEventDetails", {}).get("name") == "Inner"
    ]
    assert [json.loads(details["output"]) for details in inner] == [{"w": "María"}, {"w": "María"}]


def test_a_variable_of_256_kib_is_assigned_and_one_byte_more_fails_with_data_limit_exceeded(aws):
    # VARIABLES, "Variable size limits": 256 KiB per variable. $pad builds the string; its quotes count.
    def assign(characters: int) -> dict[str, Any]:
        return jsonata(
            {"Big": {"Type": "Pass", "Assign": {"big": f"{{% $pad('', {characters}, 'x') %}}"}, "End": True}}
        )

    assert run(aws, assign(variables.VARIABLE_BYTES - 2), "{}")["status"] == "SUCCEEDED"
    failed = run(aws, assign(variables.VARIABLE_BYTES - 1), "{}")
    assert failed["error"] == "States.DataLimitExceeded" and "'big'" in failed["cause"]


def test_the_assign_and_stored_quotas_count_every_variable():
    # VARIABLES, "Variable size limits": 256 KiB for all the variables of one Assign, 10 MiB stored per execution.
    half = "x" * (variables.ASSIGN_BYTES // 2)  # two of them, with their quotes, pass the Assign's quota
    assert "assigned together" in str(variables.assign_problem({"a": half, "b": half}, {}))
    stored = {f"v{i}": "x" * 262_000 for i in range(40)}  # 40 variables of 262,002 bytes: 10,480,080
    assert variables.assign_problem({"one": "x" * 5_000}, stored) is None
    assert "per execution" in str(variables.assign_problem({"one": "x" * 6_000}, stored))


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        (
            jsonata({"P": {"Type": "Pass", "Parameters": {"a": 1}, "End": True}}),
            "The QueryLanguage is set to 'JSONata', but field 'Parameters' is only supported for the 'JSONPath' "
            "QueryLanguage at /States/P",
        ),
        (
            {"StartAt": "P", "States": {"P": {"Type": "Pass", "Output": {"a": 1}, "End": True}}},
            "The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for the 'JSONata' "
            "QueryLanguage at /States/P",
        ),
    ],
)
def test_a_field_of_the_other_query_language_is_refused_in_both_mocks(aws, definition, message):
    # TRANSFORMING_DATA: JSONata states have Arguments and Output, not the five JSONPath fields (and back).
    with pytest.raises(ClientError, match=re.escape(message)) as refused:
        create_state_machine(aws, definition)
    assert refused.value.response["Error"]["Code"] == "InvalidDefinition"
    with pytest.raises(DeployRuleError, match=re.escape(message)):
        check_resource(
            "aws:sfn/stateMachine:StateMachine", "machine", "machine", {"definition": json.dumps(definition)}
        )


def test_the_context_object_has_redrive_count_and_times_in_milliseconds_and_describe_execution_answers(aws):
    # https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html: Execution.RedriveCount,
    # and StartTime / EnteredTime written as "2019-03-26T20:14:13.192Z".
    definition = {"StartAt": "C", "States": {"C": {"Type": "Pass", "Parameters": {"context.$": "$$"}, "End": True}}}
    context = output(run(aws, definition, "{}"))["context"]
    assert context["Execution"]["RedriveCount"] == 0
    millis_z = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
    assert re.fullmatch(millis_z, context["Execution"]["StartTime"])
    assert re.fullmatch(millis_z, context["State"]["EnteredTime"])


def test_a_wait_longer_than_an_execution_may_last_fails_with_states_runtime_at_once(aws):
    # https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html: a Standard execution lasts at most
    # one year (31,536,000 seconds).
    definition = {"StartAt": "W", "States": {"W": {"Type": "Wait", "SecondsPath": "$.s", "End": True}}}
    described = run(aws, definition, json.dumps({"s": 31_536_001}))
    assert (described["status"], described["error"]) == ("FAILED", "States.Runtime")
    # AWS's schema refuses a literal Seconds over 99,999,999 (its CreateStateMachine answer, quoted in
    # https://github.com/aws-cloudformation/cfn-lint/issues/4075).
    literal = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 100_000_000, "End": True}}}
    message = "SCHEMA_VALIDATION_FAILED: Maximum value is 99999999 at /States/W/Seconds"
    with pytest.raises(ClientError, match=message):
        create_state_machine(aws, literal)
    with pytest.raises(DeployRuleError, match=message):
        check_resource("aws:sfn/stateMachine:StateMachine", "machine", "machine", {"definition": json.dumps(literal)})


def test_a_definition_with_an_emoji_written_as_a_surrogate_pair_escape_runs(aws):
    # JSON (RFC 8259, section 7) writes a character outside the BMP as a surrogate pair: "\ud83d\ude00" is one emoji.
    definition = {"StartAt": "E", "States": {"E": {"Type": "Pass", "Parameters": {"e": "\U0001f600"}, "End": True}}}
    assert "\\ud83d\\ude00" in json.dumps(definition)  # json.dumps escapes it so
    assert output(run(aws, definition, "{}")) == {"e": "\U0001f600"}


def test_redrive_execution_is_refused_naming_start_execution(aws):
    # https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html: ExecutionNotRedrivable
    # is its error for an execution it cannot redrive; the sandbox cannot redrive any.
    failed = run(aws, jsonata({"F": {"Type": "Fail", "Error": "Boom"}}), "{}")
    with pytest.raises(ClientError, match="StartExecution") as refused:
        aws.client("stepfunctions").redrive_execution(executionArn=failed["executionArn"])
    assert refused.value.response["Error"]["Code"] == "ExecutionNotRedrivable"


def test_an_expression_failing_in_a_map_iteration_or_a_parallel_branch_fails_its_state_by_name(aws):
    # https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html: the error a branch or
    # iteration fails with fails the Map or Parallel, whose Catch may name it; the cause names the innermost state.
    inner = {"StartAt": "I", "States": {"I": {"Type": "Pass", "Output": "{% $states.input.x %}", "End": True}}}
    mapped = run(aws, jsonata({"M": {"Type": "Map", "Items": [1], "ItemProcessor": inner, "End": True}}), "{}")
    assert mapped["error"] == "States.QueryEvaluationError"
    assert mapped["cause"].startswith("An error occurred while executing the state 'I' (entered at the event id #")
    assert mapped["cause"].count("An error occurred") == 1
    catch = {
        "ErrorEquals": ["States.QueryEvaluationError"],
        "Output": {"caught": "{% $states.errorOutput.Error %}"},
        "Next": "C",
    }
    parallel = jsonata(
        {
            "P": {"Type": "Parallel", "Branches": [inner], "Catch": [catch], "End": True},
            "C": {"Type": "Pass", "End": True},
        }
    )
    assert output(run(aws, parallel, "{}")) == {"caught": "States.QueryEvaluationError"}


def test_a_json_null_in_the_input_or_a_variable_stays_null(aws):
    # TRANSFORMING_DATA: only an undefined result fails a field; null is a JSON value, kept where it is.
    definition = jsonata(
        {
            "Keep": {"Type": "Pass", "Assign": {"n": None}, "Next": "Read"},
            "Read": {
                "Type": "Pass",
                "Output": {"v": "{% $states.input.bar %}", "l": "{% $states.input.list %}", "n": "{% $n %}"},
                "End": True,
            },
        }
    )
    assert output(run(aws, definition, '{"bar": null, "list": [1, null]}')) == {"v": None, "l": [1, None], "n": None}
