"""The sandbox patches moto's private API; these tests fail loudly when a moto upgrade moves a patch point."""

import importlib
import inspect
from importlib.metadata import version
from pathlib import Path

from tools.sandbox import aws
from tools.sandbox.patches.stepfunctions_parser import BOTO_CLIENT_MODULES


def test_moto_is_the_pinned_version_the_patches_were_written_for():
    pinned = next(
        line.split("==")[1].strip()
        for line in (Path(__file__).parents[2] / "requirements-dev.txt").read_text().splitlines()
        if line.startswith("moto")
    )
    assert version("moto") == pinned


def test_every_interpreter_module_still_imports_boto_client_for_by_name():
    for module_name in BOTO_CLIENT_MODULES:
        module = importlib.import_module(module_name)
        assert hasattr(module, "boto_client_for"), f"{module_name} no longer has boto_client_for"


def test_no_other_interpreter_module_imports_boto_client_for():
    import moto.stepfunctions.parser as parser

    root = Path(parser.__file__).parent
    users = {
        "moto.stepfunctions.parser." + ".".join(path.relative_to(root).with_suffix("").parts)
        for path in root.rglob("*.py")
        if "boto_client_for" in path.read_text()
    }
    assert users <= set(BOTO_CLIENT_MODULES), f"unpatched: {sorted(users - set(BOTO_CLIENT_MODULES))}"


def test_boto_client_for_keeps_the_signature_the_sandbox_replaces():
    from moto.stepfunctions.parser.asl.utils import boto_client

    assert list(inspect.signature(boto_client.boto_client_for).parameters) == ["region", "service", "state_credentials"]


def test_moto_chooses_the_lambda_backend_by_use_docker_and_the_sandbox_s_subclass_serves_invoke():
    from moto.awslambda import responses, utils
    from moto.awslambda.models import LambdaBackend
    from moto.awslambda_simple.models import LambdaSimpleBackend

    assert 'get("use_docker", True) is False' in inspect.getsource(utils.get_backend)
    assert "from moto.awslambda_simple.models import lambda_simple_backends" in inspect.getsource(utils.get_backend)
    assert "get_backend(self.current_account, self.region)" in inspect.getsource(responses.LambdaResponse.backend.fget)
    assert "self.backend.invoke(" in inspect.getsource(responses.LambdaResponse.invoke)
    params = list(inspect.signature(LambdaBackend.invoke).parameters)
    assert params == ["self", "function_name", "qualifier", "body", "headers", "response_headers"]
    with aws.EmbeddedAws():
        backend = utils.get_backend(aws.ACCOUNT_ID, aws.DEFAULT_REGION)
        assert isinstance(backend, LambdaSimpleBackend) and type(backend).__name__ == "SandboxLambdaBackend"
    assert type(utils.get_backend(aws.ACCOUNT_ID, aws.DEFAULT_REGION)) is LambdaBackend, "moto's choice restored"


def test_moto_chooses_the_executing_backend_by_its_switch_and_the_sandbox_s_subclass_serves_it():
    from moto.stepfunctions import responses
    from moto.stepfunctions.models import StepFunctionBackend
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    source = inspect.getsource(responses.get_backend)
    assert 'get("execute_state_machine", False)' in source
    assert "from .parser.models import stepfunctions_parser_backends" in source
    with aws.EmbeddedAws():
        backend = responses.get_backend(aws.ACCOUNT_ID, aws.DEFAULT_REGION)
        assert isinstance(backend, StepFunctionsParserBackend)
        assert type(backend).__name__ == "SandboxStepFunctionsBackend"
    assert type(responses.get_backend(aws.ACCOUNT_ID, aws.DEFAULT_REGION)) is StepFunctionBackend


def test_iam_request_still_names_its_action_in_underscore_action():
    from moto.iam import access_control

    assert "self._action" in inspect.getsource(access_control.IAMRequestBase.__init__)
    assert "self._action" in inspect.getsource(access_control.IAMRequestBase.check_action_permitted)


def test_iam_request_still_re_signs_with_body_or_data():
    from moto.iam import access_control

    assert "data=self._body or self._data" in inspect.getsource(access_control.IAMRequestBase._create_aws_request)


def test_call_action_still_asks_determine_resource_for_the_checked_resource():
    from moto.core.responses import BaseResponse

    assert "_determine_resource" in inspect.getsource(BaseResponse.call_action)


def test_the_state_machine_execution_role_reaches_the_interpreter_clients():
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import state_task

    assert "role_arn=env.aws_execution_details.role_arn" in inspect.getsource(state_task)


def test_bucket_permission_is_still_evaluated_by_get_permission():
    from moto.s3 import responses
    from moto.s3.models import FakeBucket

    assert list(inspect.signature(FakeBucket.get_permission).parameters) == ["self", "action", "resource"]
    assert "bucket.get_permission(action, resource)" in inspect.getsource(responses)


def test_moto_still_ignores_bool_conditions_which_the_sandbox_evaluates_for_tls():
    from moto.iam import policy_conditions

    assert "Bool" not in policy_conditions.CONDITION_OPERATIONS, "moto now evaluates Bool: drop our TLS patch"


def test_parser_start_execution_keeps_its_signature_and_its_none_name_bug():
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    params = list(inspect.signature(StepFunctionsParserBackend.start_execution).parameters)
    assert params[:4] == ["self", "state_machine_arn", "name", "execution_input"]


def test_parser_start_execution_still_checks_the_input_with_pythons_json_which_reads_nan():
    """Why the sandbox's start_execution refuses NaN and Infinity itself: moto's check lets them through."""
    import json

    from moto.stepfunctions.parser import models

    source = inspect.getsource(models)  # the module's text: the method may be patched now
    assert "json.loads(execution_input)" in source and "parse_constant" not in source
    assert json.loads('{"a": NaN, "b": Infinity}')["b"] == float("inf")


def test_result_writer_put_object_still_pops_the_parameters_then_the_results():
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.result_writer.resource_eval import (
        resource_eval_s3,
    )

    source = inspect.getsource(resource_eval_s3.ResourceEvalS3._handle_put_object)
    assert source.index("parameters = env.stack.pop()") < source.index("env.stack.pop()  # TODO: results")


def test_server_routing_still_asks_list_of_moto_modules_by_module_attribute():
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    assert "backends.list_of_moto_modules()" in inspect.getsource(DomainDispatcherApplication.get_backend_for_host)


def test_the_embedded_aws_lists_moto_modules_once_and_routes_as_before(monkeypatch):
    from moto import backends

    expected = list(backends.list_of_moto_modules())
    listings = []

    def counted() -> object:
        listings.append(1)
        return iter(expected)

    monkeypatch.setattr(backends, "list_of_moto_modules", counted)
    with aws.EmbeddedAws() as embedded:
        s3 = embedded.client("s3")
        s3.create_bucket(Bucket="routing-check")
        s3.put_object(Bucket="routing-check", Key="k", Body=b"x")
        assert s3.get_object(Bucket="routing-check", Key="k")["Body"].read() == b"x"
        assert embedded.client("dynamodb").list_tables()["TableNames"] == []
        assert list(backends.list_of_moto_modules()) == expected
    assert len(listings) == 1, "moto listed its package folder for each request, not once"
    assert backends.list_of_moto_modules is counted, "stopping the embedded AWS restores moto's function"


def test_every_interpreter_module_still_imports_is_within_size_quota_by_name():
    from tools.sandbox import interpreter

    for module_name in interpreter.SIZE_QUOTA_MODULES:
        assert hasattr(importlib.import_module(module_name), "is_within_size_quota"), module_name


def test_no_other_interpreter_module_imports_is_within_size_quota():
    import moto.stepfunctions.parser as parser

    from tools.sandbox import interpreter

    root = Path(parser.__file__).parent
    users = {
        "moto.stepfunctions.parser." + ".".join(path.relative_to(root).with_suffix("").parts)
        for path in root.rglob("*.py")
        if "is_within_size_quota" in path.read_text() and path.name != "quotas.py"
    }
    assert users <= set(interpreter.SIZE_QUOTA_MODULES), (
        f"unpatched: {sorted(users - set(interpreter.SIZE_QUOTA_MODULES))}"
    )


def test_moto_still_refuses_a_payload_of_exactly_the_quota_which_the_sandbox_accepts():
    from moto.stepfunctions.parser import quotas

    assert quotas.MAX_STATE_SIZE_UTF8_BYTES == 256 * 1024
    assert not quotas.is_within_size_quota("x" * quotas.MAX_STATE_SIZE_UTF8_BYTES), "moto fixed `<`: drop our patch"


def test_service_tasks_still_verify_their_result_and_schedule_with_the_raw_parameters():
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service import (
        StateTaskService,
    )

    assert "self._verify_size_quota(env=env, value=output)" in inspect.getsource(StateTaskService._after_eval_execution)
    params = list(inspect.signature(StateTaskService._before_eval_execution).parameters)
    assert params == ["self", "env", "resource_runtime_part", "raw_parameters", "state_credentials"]
    assert list(inspect.signature(StateTaskService._verify_size_quota).parameters) == ["self", "env", "value"]


def test_error_equals_still_pops_the_error_and_pushes_whether_it_matched():
    from moto.stepfunctions.parser.asl.component.common.error_name.error_equals_decl import ErrorEqualsDecl

    source = inspect.getsource(ErrorEqualsDecl._eval_body)
    assert "error_name: ErrorName = env.stack.pop()" in source and "env.stack.append(res)" in source
    assert "_STATE_ALL_ERROR in self.error_names" in source, "moto changed States.ALL: check terminal errors again"


def test_the_dynamodb_and_lambda_tasks_still_name_every_code_and_dynamodb_drops_failure_events():
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_dynamodb import (
        StateTaskServiceDynamoDB,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_lambda import (
        StateTaskServiceLambda,
    )

    source = inspect.getsource(StateTaskServiceDynamoDB._from_error)
    assert "FailureEventException" not in source, "moto now passes failure events on: drop that half of our patch"
    assert 'error = f"Lambda.{error_code}"' in inspect.getsource(StateTaskServiceLambda._error_cause_from_client_error)
    assert 'error = f"DynamoDB.{error_code}"' in inspect.getsource(
        StateTaskServiceDynamoDB._error_cause_from_client_error
    )


def test_dynamodb_and_lambda_access_is_still_checked_by_authenticate_and_authorize_normal_action_with_xml():
    import importlib

    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.core.exceptions import AccessDeniedError, JsonRESTError
    from moto.core.responses import BaseResponse

    from tools.sandbox.access_denied import JSON_SERVICES, XML_SERVICES

    assert "self._authenticate_and_authorize_normal_action(resource)" in inspect.getsource(BaseResponse.call_action)
    for module_name, class_name in {**JSON_SERVICES, **XML_SERVICES}:
        response_class = getattr(importlib.import_module(module_name), class_name)
        inherited = response_class._authenticate_and_authorize_normal_action
        assert inherited is ActionAuthenticatorMixin._authenticate_and_authorize_normal_action, class_name
    assert not issubclass(AccessDeniedError, JsonRESTError) and AccessDeniedError.code == 403


def test_moto_still_guesses_405000_bytes_for_the_item_size_which_the_sandbox_sets_to_400_kb():
    from moto.dynamodb.models.dynamo_type import LimitedSizeDict

    assert "> 405000" in inspect.getsource(LimitedSizeDict.__setitem__), "moto changed its item size check"


def test_moto_batch_write_item_still_reads_request_items_from_the_body_and_sets_no_limit():
    from moto.dynamodb.responses import DynamoHandler

    source = inspect.getsource(DynamoHandler.batch_write_item)
    assert 'self.body["RequestItems"]' in source
    assert "25" not in source, "moto now limits BatchWriteItem: drop our patch"


def test_the_distributed_worker_still_evaluates_the_child_input_inside_its_failure_handling():
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.itemprocessor import (
        distributed_item_processor_worker as worker,
    )

    source = inspect.getsource(worker.DistributedItemProcessorWorker._eval_job)
    assert source.index("self._eval_input(env_frame=env)") < source.index("except FailureEventException")
    assert "self._map_run_record.item_counter.failed.count()" in source


def test_the_distributed_map_run_still_pops_its_items_and_ignores_the_tolerated_failures():
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.distributed_iteration_component import (
        DistributedIterationComponent,
    )

    source = inspect.getsource(DistributedIterationComponent._map_run)
    assert "input_items: list[json] = env.stack.pop()" in source
    assert "tolerated" not in source, "moto now checks tolerated failures: drop our patch"
    assert list(inspect.signature(DistributedIterationComponent._map_run).parameters) == ["self", "env", "eval_input"]


def test_moto_still_routes_no_test_state_action_and_carries_the_test_state_pieces_the_sandbox_runs():
    # `tools/sandbox/test_state.py` adds StepFunctionResponse.test_state; it runs moto's TestState parser, environment
    # and execution, and replaces the parsed state's `_eval_execution` (a mock) and `_eval_state` (one attempt).
    from moto.stepfunctions.parser.asl.component.state.exec.execute_state import ExecutionState
    from moto.stepfunctions.parser.asl.component.test_state.program.test_state_program import TestStateProgram
    from moto.stepfunctions.parser.backend.test_state.execution import TestStateExecution
    from moto.stepfunctions.responses import StepFunctionResponse

    assert not hasattr(StepFunctionResponse, "test_state")
    assert "self.test_state.eval(env=env)" in inspect.getsource(TestStateProgram._eval_body)
    assert "_evaluate_with_timeout" in inspect.getsource(ExecutionState._eval_state)
    assert "self._eval_execution(frame)" in inspect.getsource(ExecutionState._evaluate_with_timeout)
    assert "_get_start_execution_worker" in inspect.getsource(TestStateExecution)
    # moto's copy never ends the program after a state that succeeds (TestState would answer HTTP 500 on it).
    assert "set_ended" not in inspect.getsource(TestStateProgram)


def test_the_embedded_aws_answers_test_state_and_stops_answering_once_stopped():
    from moto.stepfunctions.responses import StepFunctionResponse

    with aws.EmbeddedAws() as embedded:
        assert callable(StepFunctionResponse.test_state)
        response = embedded.client("stepfunctions").test_state(definition='{"Type": "Pass", "End": true}')
        assert response["status"] == "SUCCEEDED"
    assert not hasattr(StepFunctionResponse, "test_state")


def test_moto_still_sets_no_jsonata_evaluator_and_evaluates_in_the_two_patched_components():
    from moto.stepfunctions.parser.asl.component.common.string import string_expression
    from moto.stepfunctions.parser.asl.jsonata import jsonata

    assert "_eval_jsonata = None" in inspect.getsource(jsonata.eval_jsonata_expression), "moto has an evaluator now"
    for component in (string_expression.StringJSONata, string_expression.StringVariableSample):
        assert "eval_jsonata_expression(rich_jsonata_expression)" in inspect.getsource(component._eval_body)
        assert "self.expression" in inspect.getsource(component.__init__)
    assert "query_language_mode" in inspect.getsource(string_expression.StringVariableSample.__init__)


def test_the_states_and_variable_store_keep_the_fields_the_jsonata_bindings_read():
    from moto.stepfunctions.parser.asl.eval.states import States
    from moto.stepfunctions.parser.asl.eval.variable_store import VariableStore

    assert "self._states_data = StatesData(" in inspect.getsource(States.__init__)
    store = VariableStore()
    assert (store._outer_scope, store._inner_scope) == ({}, {})


def test_assign_still_evaluates_its_bindings_then_sets_each_variable():
    from moto.stepfunctions.parser.asl.component.common.assign.assign_decl import AssignDecl

    source = inspect.getsource(AssignDecl._eval_body)
    assert "self.declaration_bindings" in source and "env.variable_store.set(" in source


def test_create_state_machine_still_validates_through_validate_definition():
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    assert "_validate_definition(definition=definition)" in inspect.getsource(
        StepFunctionsParserBackend.create_state_machine
    )
    assert list(inspect.signature(StepFunctionsParserBackend._validate_definition).parameters) == ["definition"]


def test_the_context_object_still_gets_a_datetime_start_time_and_a_python_entered_time():
    from moto.stepfunctions.parser.asl.component.state.state import CommonStateField
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    assert "StartTime=self._evaluation_details.execution_details.start_time" in inspect.getsource(
        ExecutionWorker._get_evaluation_environment
    )
    body = inspect.getsource(CommonStateField._eval_body)
    assert "isoformat()" in body and body.index("EnteredTime") < body.index("self._eval_state_input(env=env)")


def test_the_preprocessor_still_reads_strings_with_python_escapes_through_the_two_patched_functions():
    from moto.stepfunctions.parser.asl.antlt4utils import antlr4utils
    from moto.stepfunctions.parser.asl.parse import asl_parser, preprocessor

    assert "ast.literal_eval" in inspect.getsource(antlr4utils.from_string_literal), "moto reads JSON escapes now"
    assert preprocessor.from_string_literal is antlr4utils.from_string_literal
    assert "getText()" in inspect.getsource(preprocessor.Preprocessor._inner_string_of)
    assert asl_parser.Preprocessor is preprocessor.Preprocessor
    assert "preprocessor = Preprocessor()" in inspect.getsource(asl_parser.AmazonStateLanguageParser.parse)


def test_stopping_the_embedded_aws_leaves_moto_s_static_methods_static():
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.result_writer.resource_eval import (
        resource_eval_s3,
    )
    from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    with aws.EmbeddedAws():
        pass
    assert isinstance(resource_eval_s3.ResourceEvalS3.__dict__["_handle_put_object"], staticmethod)
    assert isinstance(Preprocessor.__dict__["_inner_string_of"], staticmethod)
    assert isinstance(StepFunctionsParserBackend.__dict__["_validate_definition"], staticmethod)


def test_a_wait_still_gets_its_seconds_then_waits_them_and_moto_still_has_no_redrive():
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction
    from moto.stepfunctions.responses import StepFunctionResponse

    source = inspect.getsource(WaitFunction._eval_body)
    assert "self._get_wait_seconds(env=env)" in source and "self._wait_interval(" in source
    assert not hasattr(StepFunctionResponse, "redrive_execution"), "moto has RedriveExecution now: drop the refusal"


def test_a_failure_leaving_a_map_iteration_is_still_prefixed_a_second_time():
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEventException

    source = inspect.getsource(FailureEventException.get_execution_failed_event_details)
    assert "An error occurred while executing the state" in source and "decorated_cause" in source


def test_the_inline_map_worker_still_names_an_iterations_error_with_its_module_custom_error_name():
    import pytest
    from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import CustomErrorName

    from tools.sandbox import interpreter

    worker = importlib.import_module(interpreter.ITERATION_WORKER_MODULE)
    assert worker.CustomErrorName is CustomErrorName, "patched outside the embedded AWS"
    assert "error_name = CustomErrorName(error_name=error_name)" in inspect.getsource(worker.IterationWorker._eval_job)
    branches = importlib.import_module(interpreter.BRANCHES_MODULE)
    assert branches.CustomErrorName is CustomErrorName, "patched outside the embedded AWS"
    assert "error_name=CustomErrorName(error_name=exit_error_name)" in inspect.getsource(
        branches.BranchesDecl._eval_body
    )
    with pytest.raises(ValueError, match=r"MUST NOT begin with the prefix 'States\.'"):
        CustomErrorName("States.DataLimitExceeded")  # moto's bug: an iteration's States.* error became States.Runtime
    assert interpreter.iteration_error_name("States.DataLimitExceeded").error_name == "States.DataLimitExceeded"
    assert isinstance(interpreter.iteration_error_name("ItemsFailed"), CustomErrorName)


def test_moto_s_threaded_server_still_serves_as_the_sandbox_s_quick_stop_subclass_does():
    from moto.moto_server import threaded_moto_server

    source = inspect.getsource(threaded_moto_server.ThreadedMotoServer._server_entry)
    assert "make_server(" in source and "request_handler=MotoRequestHandler" in source
    assert "self._server.serve_forever()" in source, "moto now passes a poll interval: drop the subclass"
    with aws.EmbeddedAws() as embedded:
        assert isinstance(embedded._server, threaded_moto_server.ThreadedMotoServer)
        assert type(embedded._server).__name__ == "QuickStopMotoServer"
        assert embedded.client("sts").get_caller_identity()["Account"] == aws.ACCOUNT_ID
