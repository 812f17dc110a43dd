"""Registry entries for moto's Step Functions API (`moto.stepfunctions`): the backend that executes state machines,
the resource IAM checks, and the actions moto's server does not route (TestState, RedriveExecution)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from .. import execution_limits, query_language, test_state
from ..patching import EXTENSION_POINT, NO_ISSUE, PATCH, Entry, Hooks, ScopedPatch
from ..quotas import STATES_PAYLOAD_BYTES
from .shared import QUOTAS, RESPONSE_CLASS, json_body, resource_entry

GUARDS = "tests/sandbox/test_moto_patch_points.py"
EXECUTE = "moto.core.config.default_user_config['stepfunctions']['execute_state_machine']"
PARSER_BACKENDS = "moto.stepfunctions.parser.models.stepfunctions_parser_backends"


def strict_json(text: str) -> Any:
    """`text` parsed as JSON as AWS parses it: Python's json also takes NaN, Infinity and -Infinity; JSON does not."""

    def refuse(token: str) -> Any:
        raise ValueError(f"Non-standard token '{token}': not a JSON number")

    return json.loads(text, parse_constant=refuse)


def state_machine_resource(response: Any) -> str:
    """The state machine, execution or Map Run a Step Functions request is for; "*" for one naming none."""
    body = json_body(response)
    return str(body.get("stateMachineArn") or body.get("executionArn") or body.get("mapRunArn") or "*")


def _executing_backend(patch: ScopedPatch, hooks: Hooks) -> None:
    from moto.core.base_backend import BackendDict
    from moto.core.config import default_user_config
    from moto.core.exceptions import AWSError
    from moto.stepfunctions.exceptions import InvalidExecutionInput, ValidationException
    from moto.stepfunctions.parser import models as parser

    class InvalidDefinition(AWSError):
        TYPE = "InvalidDefinition"  # moto's parser's own InvalidDefinition sets `code`, so it answered code ""
        STATUS = 400

    def refuse(definition: Any) -> None:
        message = query_language.refusal(definition)
        if message:
            raise InvalidDefinition(message)

    class SandboxStepFunctionsBackend(parser.StepFunctionsParserBackend):
        """moto's executing backend, refusing what AWS refuses and running an Express machine as Express."""

        def create_state_machine(self, name: str, definition: str, *args: Any, **kwargs: Any) -> Any:
            refuse(definition)
            machine = super().create_state_machine(name, definition, *args, **kwargs)
            machine.sm_type = machine.type  # moto kept the type in `type` but ran every machine as STANDARD
            return machine

        def update_state_machine(self, arn: str, definition: Any = None, *args: Any, **kwargs: Any) -> Any:
            refuse(definition)
            return super().update_state_machine(arn, definition, *args, **kwargs)

        def start_execution(
            self, state_machine_arn: str, name: Any = None, execution_input: Any = None, *args: Any
        ) -> Any:
            if execution_input is not None and len(str(execution_input).encode("utf-8")) > STATES_PAYLOAD_BYTES:
                # AWS's own wording for a request field over its length constraint (`input` is sensitive: no value).
                raise ValidationException(
                    "1 validation error detected: Value at 'input' failed to satisfy constraint: "
                    f"Member must have length less than or equal to {STATES_PAYLOAD_BYTES}"
                )
            if execution_input is not None:
                try:
                    strict_json(str(execution_input))
                except ValueError as error:  # moto took NaN and Infinity (Python's json does), AWS refuses them
                    raise InvalidExecutionInput(f"Invalid State Machine Execution Input: '{error}'") from None
            return super().start_execution(state_machine_arn, name or str(uuid.uuid4()), execution_input, *args)

    stepfunctions_config: Any = default_user_config["stepfunctions"]
    patch.item(stepfunctions_config, "execute_state_machine", True, point=EXECUTE)
    patch(parser, "stepfunctions_parser_backends", BackendDict(SandboxStepFunctionsBackend, "stepfunctions"))


def _test_state(patch: ScopedPatch, hooks: Hooks) -> None:
    test_state.install(patch)


ENTRIES = (
    Entry(
        name="stepfunctions-executing-backend",
        target=(
            "`moto.core.config.default_user_config['stepfunctions']['execute_state_machine']` = True, and "
            "`moto.stepfunctions.parser.models.stepfunctions_parser_backends` of `SandboxStepFunctionsBackend`"
        ),
        points=(EXECUTE, PARSER_BACKENDS),
        why=(
            "moto executes definitions only with this switch. Its executing backend named an execution started "
            'without a name "None" (so a second one was refused as a duplicate), took an input of any size and one '
            "holding NaN or Infinity, ran every Express machine as a Standard one, ignored `Output` in a JSONPath "
            'state and refused `Parameters` in a JSONata one with an error code of ""; the sandbox\'s subclass '
            "names it with a UUID, refuses an input over 256 KiB (ValidationException) or not JSON "
            "(InvalidExecutionInput), runs Express as Express, and refuses a field of the other query language with "
            "InvalidDefinition, as AWS does."
        ),
        proven_by=(
            f"{QUOTAS}::test_executions_started_without_a_name_are_named_with_distinct_uuids",
            f"{QUOTAS}::test_start_execution_refuses_an_input_one_byte_over_256_kib_as_aws_does",
            "tests/sandbox/test_gateway.py::test_start_execution_refuses_an_input_holding_a_number_json_does_not_have",
            "tests/sandbox/test_execution_limits.py::test_an_express_execution_past_its_duration_limit_times_out_and_a_standard_one_does_not",
            "tests/sandbox/test_jsonata.py::test_a_field_of_the_other_query_language_is_refused_in_both_mocks",
            f"{GUARDS}::test_moto_chooses_the_executing_backend_by_its_switch_and_the_sandbox_s_subclass_serves_it",
            f"{GUARDS}::test_parser_start_execution_keeps_its_signature_and_its_none_name_bug",
            f"{GUARDS}::test_parser_start_execution_still_checks_the_input_with_pythons_json_which_reads_nan",
        ),
        upstream=NO_ISSUE,
        kind=EXTENSION_POINT,
        how=(
            "moto's `stepfunctions.execute_state_machine` switch makes `moto.stepfunctions.responses.get_backend` "
            "serve every request from `stepfunctions_parser_backends`, a BackendDict of its executing backend "
            "subclass; the sandbox registers its own subclass of that backend there (moto lets no config name the "
            "class itself)."
        ),
        install=_executing_backend,
    ),
    resource_entry(
        "stepfunctions",
        "moto.stepfunctions.responses",
        "StepFunctionResponse",
        state_machine_resource,
        (f"{QUOTAS}::test_a_policy_naming_one_resource_allows_it_and_denies_another",),
    ),
    Entry(
        name="test-state-route",
        target="`moto.stepfunctions.responses.StepFunctionResponse.test_state` (added)",
        points=("moto.stepfunctions.responses.StepFunctionResponse.test_state",),
        why=(
            "moto's server does not route TestState (HTTP 500) though it carries LocalStack's TestState parser and "
            "execution; the sandbox routes it to them and adds what that copy predates (stateName, mock, context, "
            "stateConfiguration, RETRIABLE and CAUGHT_ERROR) (`tools/sandbox/test_state.py`)."
        ),
        proven_by=(
            "tests/sandbox/test_test_state.py::test_state_name_runs_one_state_of_a_whole_definition",
            f"{GUARDS}::test_the_embedded_aws_answers_test_state_and_stops_answering_once_stopped",
            f"{GUARDS}::test_moto_still_routes_no_test_state_action_and_carries_the_test_state_pieces_the_sandbox_runs",
        ),
        upstream=NO_ISSUE,
        kind=PATCH,
        how=f"{RESPONSE_CLASS} A new action is a new method of that class.",
        install=_test_state,
    ),
    Entry(
        name="redrive-refusal",
        target="`moto.stepfunctions.responses.StepFunctionResponse.redrive_execution` (added)",
        points=("moto.stepfunctions.responses.StepFunctionResponse.redrive_execution",),
        why=(
            "RedriveExecution, which moto lacks (HTTP 500), is refused with ExecutionNotRedrivable naming "
            "StartExecution (`tools/sandbox/execution_limits.py`)."
        ),
        proven_by=(
            "tests/sandbox/test_jsonata.py::test_redrive_execution_is_refused_naming_start_execution",
            f"{GUARDS}::test_a_wait_still_gets_its_seconds_then_waits_them_and_moto_still_has_no_redrive",
        ),
        upstream=NO_ISSUE,
        kind=PATCH,
        how=f"{RESPONSE_CLASS} A new action is a new method of that class.",
        install=lambda patch, hooks: execution_limits.install_redrive_refusal(patch),
    ),
)
