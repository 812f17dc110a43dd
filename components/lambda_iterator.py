"""LambdaIterator: run a Lambda a given number of times, one iteration after the other, in a Choice loop."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi

from components import asl, policies
from components.config import CommonSettings, LambdaIteratorSettings
from components.job_poller import catch_invalid_input, invalid_input_states  # both fail bad input alike
from components.lambda_function import PythonFunction, PythonFunctionArgs
from components.workflow import Workflow, WorkflowArgs


@dataclass
class LambdaIteratorArgs:
    """The largest accepted iteration count, and the shared settings."""

    settings: LambdaIteratorSettings
    common: CommonSettings
    alarm_topic_arn: pulumi.Input[str]


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
                get_count_fn_arn, next_state="LoopCompleted?", Catch=catch_invalid_input()
            ),
            "LoopCompleted?": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.counter", "NumericEquals": 0, "Next": "Finish"},
                    {"Variable": "$.counter", "NumericGreaterThan": 0, "Next": "ProcessIteration"},
                ],
            },
            "ProcessIteration": asl.lambda_task(process_fn_arn, next_state="LoopCompleted?"),
            "Finish": {"Type": "Succeed"},
            **invalid_input_states(),
        },
    }


class LambdaIterator(pulumi.ComponentResource):
    """The Lambda iterator: a get-count Lambda, a process Lambda looped by a Choice, bounded by `maxIterations`."""

    state_machine: Workflow
    get_count_function: PythonFunction
    process_function: PythonFunction
    state_machine_arn: pulumi.Output[str]
    state_machine_name: pulumi.Output[str]

    def __init__(self, name: str, args: LambdaIteratorArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("sfn-patterns:index:LambdaIterator", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.get_count_function = PythonFunction(
            f"{name}-get-count",
            PythonFunctionArgs(
                package="lambda_iterator", handler="get_count.handler", settings=args.common,
                description='Turns {"iterations": n} into {"counter": n}, refusing a bad or too large n',
                environment={"MAX_ITERATIONS": str(args.settings.max_iterations)},
            ),
            opts=child,
        )  # fmt: skip
        self.process_function = PythonFunction(
            f"{name}-process-iteration",
            PythonFunctionArgs(
                package="lambda_iterator", handler="process_iteration.handler", settings=args.common,
                description="Does one iteration's work and counts down",
            ),
            opts=child,
        )  # fmt: skip
        functions = pulumi.Output.all(self.get_count_function.arn, self.process_function.arn)
        definition_json = functions.apply(lambda a: json.dumps(definition(get_count_fn_arn=a[0], process_fn_arn=a[1])))
        statements = functions.apply(lambda a: [policies.invoke_functions(list(a))])
        self.state_machine = Workflow(
            name,
            WorkflowArgs(
                definition=definition_json, statements=statements, settings=args.common,
                alarm_topic_arn=args.alarm_topic_arn,
            ),
            opts=child,
        )  # fmt: skip
        self.state_machine_arn = self.state_machine.arn
        self.state_machine_name = self.state_machine.name
        self.register_outputs({"stateMachineArn": self.state_machine_arn, "stateMachineName": self.state_machine_name})
