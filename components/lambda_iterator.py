"""LambdaIterator: run a Lambda a given number of times, one iteration after the other, in a Choice loop."""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the args and outputs as types.
import json
from typing import Any, NotRequired

import pulumi

from . import asl, policies
from .job_poller import LOOP_LAMBDA_RETRY, catch_as, catch_invalid_input, failed_call, invalid_input_states
from .parts import Checker, HandlerSpec, WorkflowOptions, alarm_topic_arn, component_options, lambda_part, own_handler
from .settings import LAMBDA_ITERATOR_HISTORY, LambdaIteratorSettings
from .workflow import Workflow, WorkflowArgs


class LambdaIteratorArgs(WorkflowOptions):
    """The count and process functions, and the largest accepted iteration count."""

    count_handler: NotRequired[HandlerSpec]
    """Your function that turns the execution input into `{"counter": n}` (n >= 0); it is given MAX_ITERATIONS in
    its environment; default: the seed's, which reads `{"iterations": n}`."""
    count_function_arn: NotRequired[pulumi.Input[str]]
    """An existing count function, instead of one built here."""
    process_handler: NotRequired[HandlerSpec]
    """Your function run once per iteration: it gets `{"counter": n, ...}` and returns the state with `counter`
    one less; default: the seed's, which logs and counts down."""
    process_function_arn: NotRequired[pulumi.Input[str]]
    """An existing process function, instead of one built here."""
    max_iterations: NotRequired[int]
    """The largest count accepted (default 1000; bounded so the longest loop fits the execution history)."""


def definition(*, get_count_fn_arn: str, process_fn_arn: str) -> dict[str, Any]:
    """Get the count (refusing a bad one), then process and count down until the counter is 0.

    The limit on `iterations` lives in the get-count Lambda (its MAX_ITERATIONS), so the definition does not
    change with `maxIterations`.
    """
    return {
        "Comment": "LambdaIterator: a Lambda run `iterations` times in a Choice loop",
        "StartAt": "GetIterationCount",
        "States": {
            "GetIterationCount": asl.lambda_task(
                get_count_fn_arn, next_state="LoopCompleted?", Catch=[*catch_invalid_input(), *catch_as("CountFailed")]
            ),
            "LoopCompleted?": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.counter", "NumericEquals": 0, "Next": "Finish"},
                    {"Variable": "$.counter", "NumericGreaterThan": 0, "Next": "ProcessIteration"},
                ],
                "Default": "InvalidCounter",
            },
            "InvalidCounter": {
                "Type": "Fail",
                "Error": "InvalidCounter",
                "CausePath": "States.Format('the counter must be a whole number >= 0; the count or process function "
                "returned {}', States.JsonToString($))",
            },
            "ProcessIteration": asl.lambda_task(
                process_fn_arn,
                next_state="LoopCompleted?",
                Retry=[dict(LOOP_LAMBDA_RETRY)],
                Catch=catch_as("IterationFailed", "$.error"),
            ),
            "Finish": {"Type": "Succeed"},
            "CountFailed": failed_call("CountFailed", "could not get the iteration count"),
            "IterationFailed": failed_call(
                "IterationFailed", "the iteration at counter {} failed", "$.counter", at="$.error"
            ),
            **invalid_input_states(),
        },
    }


class LambdaIterator(pulumi.ComponentResource):
    """The Lambda iterator: a get-count Lambda, a process Lambda looped by a Choice, bounded by `maxIterations`."""

    state_machine_arn: pulumi.Output[str]
    """The state machine's ARN."""
    state_machine_name: pulumi.Output[str]
    """The state machine's name."""

    def __init__(self, name: str, args: LambdaIteratorArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        check = Checker("LambdaIterator", name, args, LambdaIteratorArgs)
        common = check.common()
        settings = LambdaIteratorSettings(
            max_iterations=check.integer(
                "max_iterations", LambdaIteratorSettings.max_iterations, 1, LAMBDA_ITERATOR_HISTORY.max_turns
            )
        )
        super().__init__("sfn-patterns:index:LambdaIterator", name, None, component_options(opts, check.tags()))
        count_arn, self.get_count_function = lambda_part(
            check, self, f"{name}-get-count", "count",
            own_handler(
                "lambda_iterator", "get_count.handler",
                'Turns {"iterations": n} into {"counter": n}, refusing a bad or too large n',
            ),
            common,
            environment={"MAX_ITERATIONS": str(settings.max_iterations)},
        )  # fmt: skip
        process_arn, self.process_function = lambda_part(
            check, self, f"{name}-process-iteration", "process",
            own_handler("lambda_iterator", "process_iteration.handler", "Does one iteration's work and counts down"),
            common,
        )  # fmt: skip
        functions = pulumi.Output.all(count_arn, process_arn)
        definition_json = functions.apply(lambda a: json.dumps(definition(get_count_fn_arn=a[0], process_fn_arn=a[1])))
        statements = functions.apply(lambda a: [policies.invoke_functions(list(a))])
        self.state_machine = Workflow(
            name,
            WorkflowArgs(
                definition=definition_json, statements=statements, settings=common,
                alarm_topic_arn=alarm_topic_arn(check, self, name, common),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )  # fmt: skip
        self.state_machine_arn = self.state_machine.arn
        self.state_machine_name = self.state_machine.name
        self.register_outputs({"stateMachineArn": self.state_machine_arn, "stateMachineName": self.state_machine_name})
