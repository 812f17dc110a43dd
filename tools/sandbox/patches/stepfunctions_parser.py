"""Registry entries for moto's Step Functions interpreter (`moto.stepfunctions.parser`, LocalStack's, which moto
carries): the clients it calls services with, and how states fail, wait, evaluate and scale as in AWS."""

from __future__ import annotations

import importlib
from typing import Any

from .. import (
    api_faults,
    context_object,
    execution_limits,
    interpreter,
    jsonata,
    map_workers,
    result_writer,
    variables,
)
from ..patching import NO_ISSUE, NOT_A_BUG, PATCH, Entry, Hooks, ScopedPatch

GUARDS = "tests/sandbox/test_moto_patch_points.py"
QUOTAS = "tests/sandbox/test_quotas.py"
JSONATA = "tests/sandbox/test_jsonata.py"
EXECUTION = "tests/sandbox/test_execution_limits.py"
DISTRIBUTED = "tests/sandbox/test_distributed_map_limits.py"
MAP_SCALE = "tests/sandbox/test_map_scale.py"
PARSER = "moto.stepfunctions.parser.asl"
STATE_TASK = f"{PARSER}.component.state.exec.state_task"
STATE_MAP = f"{PARSER}.component.state.exec.state_map"
#: Why a patch of the interpreter: it has no extension point at all.
INTERPRETER = (
    "moto's interpreter builds its components from the parsed definition itself; no switch, factory or backend "
    "chooses another class or function for them."
)
#: Interpreter modules that imported `boto_client_for` by name, so each needs the patched function.
BOTO_CLIENT_MODULES = (
    f"{PARSER}.utils.boto_client",
    f"{STATE_MAP}.result_writer.resource_eval.resource_eval_s3",
    f"{STATE_MAP}.item_reader.eval.resource_eval_s3",
    f"{STATE_TASK}.lambda_eval_utils",
    f"{STATE_TASK}.service.state_task_service_sqs",
    f"{STATE_TASK}.service.state_task_service_sfn",
    f"{STATE_TASK}.service.state_task_service_dynamodb",
    f"{STATE_TASK}.service.state_task_service_sns",
    f"{STATE_TASK}.service.state_task_service_aws_sdk",
    f"{STATE_TASK}.service.state_task_service_events",
    f"{STATE_TASK}.service.state_task_service_batch",
    f"{STATE_TASK}.service.state_task_service_ecs",
    f"{STATE_TASK}.service.state_task_service_glue",
    f"{STATE_TASK}.service.state_task_service_unsupported",
)
SERVICE_TASKS = (
    f"{STATE_TASK}.service.state_task_service_dynamodb.StateTaskServiceDynamoDB._from_error",
    f"{STATE_TASK}.service.state_task_service_lambda.StateTaskServiceLambda._from_error",
    f"{STATE_TASK}.service.state_task_service_sqs.StateTaskServiceSqs._from_error",
)
DISTRIBUTED_WORKER = (
    f"{STATE_MAP}.iteration.itemprocessor.distributed_item_processor_worker.DistributedItemProcessorWorker"
)


def _boto_clients(patch: ScopedPatch, hooks: Hooks) -> None:
    for module_name in BOTO_CLIENT_MODULES:
        patch(importlib.import_module(module_name), "boto_client_for", hooks.interpreter_client)


def _result_writer(patch: ScopedPatch, hooks: Hooks) -> None:
    result_writer.install(patch, hooks.interpreter_client)


def _entry(
    name: str, points: tuple[str, ...], why: str, proven_by: tuple[str, ...], install: Any, upstream: str = NO_ISSUE
) -> Entry:
    """An interpreter patch (its target, by default, is its points)."""
    return Entry(name, points, why, proven_by, upstream, PATCH, INTERPRETER, install)


ENTRIES = (
    Entry(
        name="interpreter-clients-as-the-execution-role",
        target=f"`boto_client_for` in the {len(BOTO_CLIENT_MODULES)} interpreter modules that import it by name",
        points=tuple(f"{module_name}.boto_client_for" for module_name in BOTO_CLIENT_MODULES),
        why=(
            "The clients the interpreter calls services with: moto signs them with a fixed fake key; the sandbox signs "
            "them with credentials of the execution's role, so the state machine's role is enforced as in AWS."
        ),
        proven_by=(
            "tests/sandbox/test_sandbox_guarantees.py::test_the_state_machine_role_is_enforced_when_the_definition_calls_a_service",
            f"{GUARDS}::test_no_other_interpreter_module_imports_boto_client_for",
            f"{GUARDS}::test_boto_client_for_keeps_the_signature_the_sandbox_replaces",
        ),
        upstream=f"{NOT_A_BUG}: moto does not enforce IAM inside an execution by design",
        kind=PATCH,
        how=f"A module function each interpreter module imported by name. {INTERPRETER}",
        install=_boto_clients,
    ),
    _entry(
        "result-writer-files",
        (f"{STATE_MAP}.result_writer.resource_eval.resource_eval_s3.ResourceEvalS3._handle_put_object",),
        "moto writes a Distributed Map's manifest with no result files (a TODO in moto) and drops the results; the "
        "sandbox writes them as AWS does (SUCCEEDED_0.json records; `tools/sandbox/result_writer.py`).",
        (
            "tests/e2e/test_image_downloader.py::test_distributed_mode_reads_batches_from_s3_and_writes_results_to_s3",
            f"{GUARDS}::test_result_writer_put_object_still_pops_the_parameters_then_the_results",
        ),
        _result_writer,
        f"{NO_ISSUE} (the TODO came with LocalStack's ResultWriter: https://github.com/localstack/localstack/pull/11381)",
    ),
    _entry(
        "payload-quota-inclusive",
        tuple(f"{module_name}.is_within_size_quota" for module_name in interpreter.SIZE_QUOTA_MODULES),
        "moto refuses a state payload of exactly 256 KiB (`<`); AWS accepts it (`<=`), and so does the sandbox.",
        (
            f"{QUOTAS}::test_a_state_output_of_exactly_256_kib_passes_on",
            f"{GUARDS}::test_no_other_interpreter_module_imports_is_within_size_quota",
        ),
        lambda patch, hooks: interpreter.install_size_quota(patch),
    ),
    _entry(
        "task-payload-quota",
        (
            f"{STATE_TASK}.service.state_task_service.StateTaskService._verify_size_quota",
            f"{STATE_TASK}.service.state_task_service.StateTaskService._before_eval_execution",
        ),
        "moto's cause for a task result over the quota names the service (\"dynamodb\"), the sandbox's names the "
        "state; and a task's input after Parameters over the quota fails with States.DataLimitExceeded, where moto "
        "sends it.",
        (
            f"{QUOTAS}::test_a_task_input_over_256_kib_after_parameters_fails_before_the_call",
            f"{QUOTAS}::test_a_dynamodb_item_over_256_kib_fails_the_get_item_task_with_data_limit_exceeded",
            f"{GUARDS}::test_service_tasks_still_verify_their_result_and_schedule_with_the_raw_parameters",
        ),
        lambda patch, hooks: interpreter.install_task_size_quota(patch),
    ),
    _entry(
        "terminal-errors",
        (f"{PARSER}.component.common.error_name.error_equals_decl.ErrorEqualsDecl._eval_body",),
        "moto's `States.ALL` catches and retries everything; in AWS it matches neither States.DataLimitExceeded nor "
        "States.Runtime (terminal errors), only a Retry or Catch that names them does.",
        (
            f"{QUOTAS}::test_states_all_neither_catches_nor_retries_data_limit_exceeded_but_naming_it_does",
            f"{GUARDS}::test_error_equals_still_pops_the_error_and_pushes_whether_it_matched",
        ),
        lambda patch, hooks: interpreter.install_terminal_errors(patch),
    ),
    _entry(
        "service-task-error-names",
        SERVICE_TASKS,
        "moto turns the DynamoDB task's own States.DataLimitExceeded into an unnamed error, and names every error "
        "`<Service>.<code>`; AWS does so for a service's modeled exceptions only and names the rest with its SDK's "
        "base exception (`DynamoDB.AmazonDynamoDBException`, `Lambda.AWSLambdaException`, `SQS.AmazonSQSException`).",
        (
            f"{QUOTAS}::test_a_denied_dynamodb_task_fails_with_amazon_dynamodb_exception_and_access_denied_in_the_cause",
            f"{QUOTAS}::test_sqs_and_sns_tasks_denied_by_iam_fail_with_the_names_aws_gives_and_access_denied_in_the_cause",
            f"{GUARDS}::test_the_dynamodb_and_lambda_tasks_still_name_every_code_and_dynamodb_drops_failure_events",
        ),
        lambda patch, hooks: interpreter.install_service_error_names(patch),
    ),
    _entry(
        "lambda-task-sdk-client-exception",
        (SERVICE_TASKS[1],),
        "A Lambda task whose Invoke got no response fails with Lambda.SdkClientException, as AWS's SDK client names "
        "it; moto called it States.Runtime, which no Retry on the transient Lambda errors matches. Applied after "
        "service-task-error-names, whose function it wraps.",
        (
            "tests/sandbox/test_faults.py::test_sdk_client_exception_drops_the_connection_and_the_task_sees_lambda_sdk_client_exception",
            "tests/sandbox/test_faults.py::test_the_server_still_ignores_a_dropped_connection_and_moto_calls_a_lambda_client_failure_states_runtime",
        ),
        lambda patch, hooks: api_faults.install_sdk_client_errors(patch),
    ),
    _entry(
        "distributed-child-input-quota",
        (f"{DISTRIBUTED_WORKER}._eval_input",),
        "A Distributed Map child is an execution, whose input AWS bounds at 256 KiB; moto ran a child of any size. "
        "The sandbox's fails with States.DataLimitExceeded, a failed item.",
        (
            f"{DISTRIBUTED}::test_a_distributed_map_child_input_of_256_kib_runs_and_one_byte_more_fails_the_map",
            f"{GUARDS}::test_the_distributed_worker_still_evaluates_the_child_input_inside_its_failure_handling",
        ),
        lambda patch, hooks: interpreter.install_child_execution_input(patch),
    ),
    _entry(
        "tolerated-failures",
        (f"{STATE_MAP}.iteration.distributed_iteration_component.DistributedIterationComponent._map_run",),
        "moto parses ToleratedFailureCount and ToleratedFailurePercentage but a failed child never failed the Map; "
        "AWS fails it with States.ExceedToleratedFailureThreshold beyond them (none set: at the first failure).",
        (
            f"{DISTRIBUTED}::test_a_failed_distributed_map_child_fails_the_map_unless_its_failures_are_tolerated",
            f"{GUARDS}::test_the_distributed_map_run_still_pops_its_items_and_ignores_the_tolerated_failures",
        ),
        lambda patch, hooks: interpreter.install_tolerated_failures(patch),
    ),
    _entry(
        "iteration-error-names",
        (
            f"{interpreter.ITERATION_WORKER_MODULE}.CustomErrorName",
            f"{interpreter.BRANCHES_MODULE}.CustomErrorName",
        ),
        "moto's inline Map worker and Parallel named an iteration's or a branch's error with a custom name, which "
        "refuses the `States.` prefix, so an iteration failing with States.DataLimitExceeded failed the execution with "
        "States.Runtime; AWS fails the Map (or the Parallel) with States.DataLimitExceeded, and so does the sandbox.",
        (
            f"{QUOTAS}::test_an_iteration_failing_with_data_limit_exceeded_fails_its_map_so_and_only_a_catch_naming_it_catches_it",
            f"{QUOTAS}::test_a_parallel_branch_failing_with_data_limit_exceeded_fails_its_parallel_so_and_only_a_catch_naming_it",
            f"{GUARDS}::test_the_inline_map_worker_still_names_an_iterations_error_with_its_module_custom_error_name",
        ),
        lambda patch, hooks: interpreter.install_iteration_error_names(patch),
    ),
    _entry(
        "map-workers-loop",
        (
            f"{map_workers.ITERATION_WORKER_MODULE}.IterationWorker._eval_pool",
            f"{DISTRIBUTED_WORKER}._eval_pool",
        ),
        "A Map worker called itself once per job, so past about a thousand jobs per worker (items / MaxConcurrency) "
        "its thread died of RecursionError and the execution stayed RUNNING for ever; the sandbox's loop "
        "(`tools/sandbox/map_workers.py`).",
        (
            f"{MAP_SCALE}::test_an_inline_map_of_one_worker_runs_more_iterations_than_the_recursion_limit",
            f"{MAP_SCALE}::test_a_distributed_map_of_one_worker_runs_more_children_than_the_recursion_limit",
            f"{MAP_SCALE}::test_moto_map_workers_still_recurse_once_per_job_which_the_sandbox_replaces_with_a_loop",
        ),
        lambda patch, hooks: map_workers.install(patch),
    ),
    _entry(
        "history-event-limit",
        (
            f"{PARSER}.eval.environment.Environment.__init__",
            f"{PARSER}.eval.event.event_manager.EventManager.add_event",
        ),
        "moto kept every event; AWS fails a Standard execution that would write its 25,000th event with States.Runtime "
        "(`tools/sandbox/execution_limits.py`).",
        (
            f"{EXECUTION}::test_a_standard_execution_of_the_limit_in_events_succeeds_and_one_more_turn_fails_with_states_runtime",
            f"{EXECUTION}::test_the_patch_points_of_the_execution_limits_are_still_where_moto_has_them",
        ),
        lambda patch, hooks: execution_limits.install_history_limit(patch),
    ),
    _entry(
        "express-duration",
        (f"{PARSER}.component.program.program.Program.eval",),
        "moto ran an Express execution with the definition's TimeoutSeconds alone; AWS also stops it at 5 minutes, "
        "with States.Timeout.",
        (
            f"{EXECUTION}::test_an_express_execution_past_its_duration_limit_times_out_and_a_standard_one_does_not",
            f"{EXECUTION}::test_the_patch_points_of_the_execution_limits_are_still_where_moto_has_them",
        ),
        lambda patch, hooks: execution_limits.install_express_duration(patch),
    ),
    _entry(
        "wait-bound",
        (f"{PARSER}.component.state.wait.wait_function.wait_function.WaitFunction._eval_body",),
        "A Wait past a Standard execution's one year fails with States.Runtime at once; moto slept on.",
        (
            f"{JSONATA}::test_a_wait_longer_than_an_execution_may_last_fails_with_states_runtime_at_once",
            f"{GUARDS}::test_a_wait_still_gets_its_seconds_then_waits_them_and_moto_still_has_no_redrive",
        ),
        lambda patch, hooks: execution_limits.install_wait_bound(patch),
    ),
    _entry(
        "jsonata-evaluator",
        (
            f"{PARSER}.component.common.string.string_expression.StringJSONata._eval_body",
            f"{PARSER}.component.common.string.string_expression.StringVariableSample._eval_body",
        ),
        "moto never sets its JSONata evaluator, so every `{% %}` expression and every variable read failed; the "
        "sandbox's evaluate with jsonata-python, with AWS's functions and errors (`tools/sandbox/jsonata.py`).",
        (
            f"{JSONATA}::test_the_functions_step_functions_adds_give_the_documented_values",
            f"{GUARDS}::test_moto_still_sets_no_jsonata_evaluator_and_evaluates_in_the_two_patched_components",
        ),
        lambda patch, hooks: jsonata.install_evaluator(patch),
        "https://github.com/getmoto/moto/issues/10105",
    ),
    _entry(
        "failure-cause-prefixed-once",
        (
            f"{PARSER}.component.common.error_name.failure_event.FailureEventException.get_execution_failed_event_details",
        ),
        'A cause leaving a Map iteration was prefixed a second time with "An error occurred while executing the state '
        "'None'\"; AWS prefixes it once, naming the innermost state.",
        (
            f"{JSONATA}::test_an_expression_failing_in_a_map_iteration_or_a_parallel_branch_fails_its_state_by_name",
            f"{GUARDS}::test_a_failure_leaving_a_map_iteration_is_still_prefixed_a_second_time",
        ),
        lambda patch, hooks: jsonata.install_cause_prefix(patch),
    ),
    _entry(
        "variable-quotas",
        (f"{PARSER}.component.common.assign.assign_decl.AssignDecl._eval_body",),
        "Variables held to AWS's 256 KiB per variable and per Assign and 10 MiB stored; moto kept any size "
        "(`tools/sandbox/variables.py`).",
        (
            f"{JSONATA}::test_a_variable_of_256_kib_is_assigned_and_one_byte_more_fails_with_data_limit_exceeded",
            f"{GUARDS}::test_assign_still_evaluates_its_bindings_then_sets_each_variable",
        ),
        lambda patch, hooks: variables.install(patch),
    ),
    _entry(
        "context-object-times",
        (
            "moto.stepfunctions.parser.backend.execution_worker.ExecutionWorker._get_evaluation_environment",
            f"{PARSER}.component.state.state.CommonStateField._eval_state_input",
        ),
        "The context object's times as AWS writes them (`...T02:23:43.421Z`; moto's datetime made DescribeExecution "
        "answer 500), with `Execution.RedriveCount` (`tools/sandbox/context_object.py`).",
        (
            f"{JSONATA}::test_the_context_object_has_redrive_count_and_times_in_milliseconds_and_describe_execution_answers",
            f"{GUARDS}::test_the_context_object_still_gets_a_datetime_start_time_and_a_python_entered_time",
        ),
        lambda patch, hooks: context_object.install_times(patch),
    ),
    _entry(
        "definition-strings-as-json",
        (f"{PARSER}.parse.preprocessor.from_string_literal", f"{PARSER}.parse.asl_parser.Preprocessor"),
        "A definition's strings read as JSON reads them, through a Preprocessor subclass whose `_inner_string_of` "
        "reads JSON; moto read Python's escapes, so a `\\ud83d\\ude00` emoji failed with UnicodeEncodeError.",
        (
            f"{JSONATA}::test_a_definition_with_an_emoji_written_as_a_surrogate_pair_escape_runs",
            f"{GUARDS}::test_the_preprocessor_still_reads_strings_with_python_escapes_through_the_two_patched_functions",
        ),
        lambda patch, hooks: context_object.install_json_strings(patch),
    ),
)
