"""LambdaIterator: run a Lambda a given number of times, one iteration after the other, in a Choice loop."""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the args and outputs as types.
import json

import pulumi

from .. import policies
from ..parts import own_handler
from ..workflow_component import WorkflowComponent
from .args import LambdaIteratorArgs, LambdaIteratorSettings
from .definition import definition


class LambdaIterator(WorkflowComponent):
    """The Lambda iterator: a get-count Lambda, a process Lambda looped by a Choice, bounded by `maxIterations`."""

    state_machine_arn: pulumi.Output[str]
    """The state machine's ARN."""
    state_machine_name: pulumi.Output[str]
    """The state machine's name."""

    _longest_part = "process-iteration"

    def __init__(self, name: str, args: LambdaIteratorArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        check = self._checker(name, args)
        common = check.common()
        settings = check.settings(LambdaIteratorSettings)
        self._open(name, check, opts)
        count_arn, self.get_count_function = self._lambda_part(
            check, f"{name}-get-count", "count",
            own_handler(
                "lambda_iterator", "get_count.handler",
                'Turns {"iterations": n} into {"counter": n}, refusing a bad or too large n',
            ),
            common,
            environment={"MAX_ITERATIONS": str(settings.max_iterations)},
        )  # fmt: skip
        process_arn, self.process_function = self._lambda_part(
            check, f"{name}-process-iteration", "process",
            own_handler("lambda_iterator", "process_iteration.handler", "Does one iteration's work and counts down"),
            common,
        )  # fmt: skip
        functions = pulumi.Output.all(count_arn, process_arn)
        definition_json = functions.apply(lambda a: json.dumps(definition(get_count_fn_arn=a[0], process_fn_arn=a[1])))
        statements = functions.apply(lambda a: [policies.invoke_functions(list(a))])
        self._state_machine(name, check, common, definition_json, statements)
        self.register_outputs({"stateMachineArn": self.state_machine_arn, "stateMachineName": self.state_machine_name})
