"""The ledger of AWS quotas and rules: AWS's number, whether the sandbox enforces it, and the test that says so."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

from . import quotas as q
from .lambda_python import runtime_package_versions

QUOTAS = "tests/sandbox/test_quotas.py"
SERVICES = "tests/sandbox/test_service_limits.py"
RULES = "tests/sandbox/test_deploy_rules.py"
GAPS = "tests/sandbox/test_divergences.py"
DISTRIBUTED = "tests/sandbox/test_distributed_map_limits.py"
LAMBDA = "tests/sandbox/test_lambda_payload_limits.py"
EXECUTION = "tests/sandbox/test_execution_limits.py"
TEST_STATE = "tests/sandbox/test_test_state.py"
JSONATA = "tests/sandbox/test_jsonata.py"
SQS_SNS_DENIED = "test_sqs_and_sns_tasks_denied_by_iam_fail_with_the_names_aws_gives_and_access_denied_in_the_cause"
FAULTS = "tests/sandbox/test_faults.py"
GATEWAY = "tests/sandbox/test_gateway.py"
PYTHON = "tests/sandbox/test_lambda_python.py"
REGION_TAGS = "tests/sandbox/test_region_and_tags.py"
NAMES = f"{RULES}::test_the_longest_auto_name_aws_takes_deploys_and_one_more_character_is_refused"


#: How a row the sandbox does not enforce begins its note.
VERDICTS = ("not enforced", "unsupported", "differs", "recorded, never evaluated", "not written")


@dataclass(frozen=True)
class Limit:
    """One quota or rule: what AWS does, and what the sandbox does about it."""

    rule: str
    aws: str
    enforced: bool
    #: The test that proves the row: that the sandbox refuses as AWS does, or, where it does not, that it does not.
    test: str | None
    #: How the sandbox enforces it, or why it does not.
    note: str


def _kib(size: int) -> str:
    return f"{size // 1024:,} KiB ({size:,} bytes)"


LEDGER: tuple[Limit, ...] = (
    # Step Functions payloads
    Limit("StartExecution input", f"{_kib(q.STATES_PAYLOAD_BYTES)}, UTF-8", True,
          f"{QUOTAS}::test_start_execution_refuses_an_input_one_byte_over_256_kib_as_aws_does",
          "ValidationException, AWS's length-constraint message; from boto3, the HTTP API integration and a Lambda"),
    Limit("StartExecution input JSON", "JSON only: NaN, Infinity and -Infinity refused with InvalidExecutionInput",
          True, f"{GATEWAY}::test_start_execution_refuses_an_input_holding_a_number_json_does_not_have",
          "moto took them (Python's json reads them); the reason after 'Invalid State Machine Execution Input:' "
          "is the sandbox's wording, not AWS's parser's"),
    Limit("State input or output", _kib(q.STATES_PAYLOAD_BYTES), True,
          f"{QUOTAS}::test_a_state_output_one_byte_over_fails_with_data_limit_exceeded_naming_the_state",
          "States.DataLimitExceeded, the cause naming the state; exactly the quota passes (moto refused it)"),
    Limit("Task result", _kib(q.STATES_PAYLOAD_BYTES), True,
          f"{QUOTAS}::test_a_dynamodb_item_over_256_kib_fails_the_get_item_task_with_data_limit_exceeded",
          "States.DataLimitExceeded naming the state (moto said DynamoDB.AmazonDynamoDBException)"),
    Limit("Map result", _kib(q.STATES_PAYLOAD_BYTES), True,
          f"{QUOTAS}::test_an_inline_map_whose_results_pass_256_kib_fails_with_data_limit_exceeded",
          "States.DataLimitExceeded naming the Map state"),
    Limit("Task input after Parameters", _kib(q.STATES_PAYLOAD_BYTES), True,
          f"{QUOTAS}::test_a_task_input_over_256_kib_after_parameters_fails_before_the_call",
          "States.DataLimitExceeded before the service is called"),
    Limit("States.ALL and terminal errors", "matches neither States.DataLimitExceeded nor States.Runtime", True,
          f"{QUOTAS}::test_states_all_neither_catches_nor_retries_data_limit_exceeded_but_naming_it_does",
          "only a Retry or Catch naming them matches (moto's States.ALL matched everything)"),
    Limit("Distributed Map child execution input", _kib(q.STATES_PAYLOAD_BYTES), True,
          f"{DISTRIBUTED}::test_a_distributed_map_child_input_of_256_kib_runs_and_one_byte_more_fails_the_map",
          "the child fails with States.DataLimitExceeded (moto ran it), counted as a failed item"),
    Limit("Distributed Map tolerated failures", "beyond ToleratedFailureCount / ToleratedFailurePercentage (none "
          "set: no failure), States.ExceedToleratedFailureThreshold", True,
          f"{DISTRIBUTED}::test_a_failed_distributed_map_child_fails_the_map_unless_its_failures_are_tolerated",
          "moto parsed the fields, but a failed child never failed the Map"),
    Limit("ToleratedFailurePercentage", "a number 0..100", False,
          f"{GAPS}::test_moto_refuses_a_whole_number_tolerated_failure_percentage",
          "differs: moto's parser refuses a whole number (5); write 5.0"),
    Limit("ItemBatcher", "batches items per child execution", False,
          f"{GAPS}::test_moto_refuses_a_definition_with_an_item_batcher",
          "unsupported: moto's parser refuses the definition (CreateStateMachine fails)"),
    Limit("JSONata (QueryLanguage) and AWS's JSONata functions", "JSONata 2.0.6 but $eval; $partition, $range, "
          "$hash, $random, $uuid, $parse", True,
          f"{JSONATA}::test_the_functions_step_functions_adds_give_the_documented_values",
          "jsonata-python 0.7.1 evaluates them (moto set no evaluator); a state's QueryLanguage overrides the "
          "machine's"),
    Limit("JSONata undefined and unsupported results", "States.QueryEvaluationError naming the expression and field",
          True, f"{JSONATA}::test_an_undefined_result_fails_with_query_evaluation_error_a_catch_reads_as_error_output",
          "AWS's cause, the field as AWS names it (Arguments/MaxResults, Output/v[1]); a Catch reads "
          "$states.errorOutput"),
    Limit("JSONata evaluation error cause", "States.QueryEvaluationError", False,
          f"{JSONATA}::test_a_type_error_and_a_function_result_fail_the_state_with_query_evaluation_error",
          "differs: the error is AWS's, the cause ends in jsonata-python's message (T2001: ...); AWS's wording "
          "unverified"),
    Limit("JSONata evaluation bounds", "an expression's depth, memory and time are bounded", False, None,
          "not enforced: one expression stops after 5 s (jsonata-python's timeout, States.QueryEvaluationError); "
          "AWS's depth and memory bounds are not applied"),
    Limit("$random with a seed", "the same number for the same seed", False, None,
          "differs: the same number for the same seed, but not the number AWS gives (Python's generator)"),
    Limit("A JSONPath state's variable paths", "$var, $var.field, $var[0] in JSONPath fields", False, None,
          "differs: read with JSONata's path syntax, so JSONPath filters ($var[?(@.x)]) fail with States.Runtime"),
    Limit("A JSONPath state reading an unknown variable", "fails the state", False,
          f"{JSONATA}::test_an_inner_map_reads_the_outer_variables_and_its_own_assignments_stay_inside",
          "differs: States.Runtime with the sandbox's own cause (AWS's wording unverified)"),
    Limit("Variable size", "256 KiB per variable and per Assign, 10 MiB stored per execution", True,
          f"{JSONATA}::test_a_variable_of_256_kib_is_assigned_and_one_byte_more_fails_with_data_limit_exceeded",
          "States.DataLimitExceeded naming the variable (the cause is the sandbox's wording); the 10 MiB counts one "
          "scope's variables (a Map iteration's own and the outer ones)"),
    Limit("Fields of the other query language", "InvalidDefinition, SCHEMA_VALIDATION_FAILED at the state", True,
          f"{JSONATA}::test_a_field_of_the_other_query_language_is_refused_in_both_mocks",
          "refused at deploy (Pulumi mocks) and by the embedded CreateStateMachine, in AWS's words"),
    Limit("Context object", "Execution.RedriveCount; times as 2026-12-07T02:23:43.421Z", True,
          f"{JSONATA}::test_the_context_object_has_redrive_count_and_times_in_milliseconds_and_describe_execution_answers",
          "moto wrote a datetime (DescribeExecution answered 500) and no RedriveCount"),
    Limit("Wait duration", "at most a Standard execution's one year (31,536,000 s)", True,
          f"{JSONATA}::test_a_wait_longer_than_an_execution_may_last_fails_with_states_runtime_at_once",
          "States.Runtime at once (moto slept on, RUNNING); a literal Seconds over 99,999,999 is refused at deploy "
          "(SCHEMA_VALIDATION_FAILED: Maximum value is 99999999)"),
    Limit("RedriveExecution", "reruns a failed Standard execution from the state that failed", False,
          f"{JSONATA}::test_redrive_execution_is_refused_naming_start_execution",
          "unsupported: moto 5.2.5 has no redrive; the call is refused, naming StartExecution as the way to rerun"),
    Limit("Execution output of a string", "JSON text (\"done\" quoted)", False,
          f"{GAPS}::test_a_string_execution_output_is_not_json_encoded",
          "differs: moto's DescribeExecution output is the bare string"),
    Limit("Execution history", f"{q.STATES_HISTORY_EVENTS:,} events (Standard)", True,
          f"{EXECUTION}::test_a_standard_execution_of_the_limit_in_events_succeeds_and_one_more_turn_fails_with_states_runtime",
          "event 25,000 is ExecutionFailed, States.Runtime, AWS's cause (moto kept every event)"),
    Limit("Express execution duration", f"{q.EXPRESS_DURATION_SECONDS // 60} minutes", True,
          f"{EXECUTION}::test_an_express_execution_past_its_duration_limit_times_out_and_a_standard_one_does_not",
          "timed out as by TimeoutSeconds; moto also ran every Express execution as a Standard one"),
    Limit("GetExecutionHistory paging", "maxResults, nextToken and reverseOrder", False,
          f"{GAPS}::test_get_execution_history_answers_every_event_at_once_oldest_first",
          "differs: moto answers every event at once, oldest first"),
    # TestState
    Limit("TestState requests", "refused with AWS's error: a mock on a Pass, Wait, Choice, Succeed or Fail, a "
          "stateName not in the definition, a Task without roleArn or mock, a Map or Parallel without a mock, a "
          "mocked result off the service's response shape (fieldValidationMode)", True,
          f"{TEST_STATE}::test_a_bad_request_is_refused_with_aws_wording",
          "AWS's wording; a stateConfiguration field on a state it does not apply to, and an unmocked activity or "
          ".sync task, are refused in our words (AWS's are not published)"),
    Limit("TestState mock of a .sync or .waitForTaskToken task", "a result", False,
          f"{TEST_STATE}::test_a_mocked_parallel_and_a_mocked_activity_run_as_their_mock_says",
          "not enforced: its result is the job's or the task token's, not the call's response: not checked against a "
          "response shape"),
    Limit("TestState caller's iam:PassRole", "the caller may pass roleArn (iam:PassRole) as well as call "
          "states:TestState", False, None, "not enforced: moto checks no iam:PassRole, here as elsewhere"),
    Limit("TestState TRACE level", "adds an HTTP Task's request and response", False, None,
          "unsupported: moto runs no HTTP Task; TRACE answers as DEBUG"),
    Limit("TestState of a mocked Map", "inspectionData with afterItemsPath, afterItemSelector, afterItemBatcher and "
          "afterItemsPointer; mapItemReaderData as the ItemReader's data", False,
          f"{TEST_STATE}::test_a_mocked_map_reports_none_of_its_item_steps",
          "differs: the mock stands in for the iterations, so the item steps are not evaluated or reported and "
          "mapItemReaderData is accepted, not read"),
    # error names
    Limit("DynamoDB task error names", "DynamoDB.<code> for DynamoDB's modeled exceptions, else "
          "DynamoDB.AmazonDynamoDBException", True,
          f"{QUOTAS}::test_a_denied_dynamodb_task_fails_with_amazon_dynamodb_exception_and_access_denied_in_the_cause",
          "AccessDenied was DynamoDB.403; ResourceNotFound stays DynamoDB.ResourceNotFoundException"),
    Limit("DynamoDB access denied", "AccessDeniedException, HTTP 400, naming the resource", True,
          f"{QUOTAS}::test_a_caller_denied_by_dynamodb_gets_access_denied_exception_as_from_aws",
          "moto answered IAM's XML AccessDenied (403), which clients read as error code 403"),
    Limit("Lambda task error names", "Lambda.<code> for Lambda's modeled exceptions, else "
          "Lambda.AWSLambdaException", True,
          f"{QUOTAS}::test_a_lambda_task_denied_by_iam_fails_with_aws_lambda_exception_and_access_denied_in_the_cause",
          "AccessDenied was Lambda.403 with IAM's XML as the cause; a denied caller gets AccessDeniedException"),
    Limit("Lambda task whose Invoke gets no response", "Lambda.SdkClientException (the SDK client's own error)", True,
          f"{FAULTS}::test_sdk_client_exception_drops_the_connection_and_the_task_sees_lambda_sdk_client_exception",
          "moto named it States.Runtime, which no Retry on the transient Lambda errors matches"),
    Limit("SQS and SNS task errors when IAM denies", "SQS.AmazonSQSException and SNS.AuthorizationErrorException",
          True, f"{QUOTAS}::{SQS_SNS_DENIED}",
          "the cause names the action, status 403 and code; moto said SQS.SdkClientException and States.Runtime"),
    Limit("SQS and SNS access denied", "AccessDenied (SQS) and AuthorizationError (SNS), HTTP 403", True,
          f"{QUOTAS}::test_callers_denied_by_sqs_and_sns_get_access_denied_and_authorization_error_naming_the_resource",
          "naming the queue or topic; SQS callers read error code 403 before"),
    Limit("Lambda Invoke without a payload, SigV4-signed", "invokes the function with no payload", True,
          f"{QUOTAS}::test_a_signed_lambda_invoke_without_a_payload_passes_the_signature_check",
          "moto re-signed a bodyless POST with its parsed parameters and refused it: SignatureDoesNotMatch"),
    Limit("DataLimitExceeded cause of a service task", "unverified wording", False, None,
          "differs, maybe: the sandbox names the state; AWS's wording for service tasks could not be checked"),
    # SQS, SNS, DynamoDB
    Limit("SQS message size", f"{q.SQS_MESSAGE_BYTES:,} bytes (1 MiB)", True,
          f"{SERVICES}::test_sqs_takes_a_message_of_exactly_1_mib_and_refuses_one_byte_more", "moto enforces it"),
    Limit("SQS batch entries", f"{q.SQS_BATCH_ENTRIES}", True,
          f"{SERVICES}::test_sqs_batches_take_10_entries_and_refuse_11", "moto enforces it"),
    Limit("SQS batch total size", f"{q.SQS_MESSAGE_BYTES:,} bytes", True,
          f"{SERVICES}::test_an_sqs_batch_of_exactly_1_mib_in_total_is_sent_and_one_byte_more_is_refused",
          "moto enforces it"),
    Limit("SQS FIFO MessageGroupId and deduplication", "required; a deduplication id or content-based "
          "deduplication", True,
          f"{SERVICES}::test_a_fifo_queue_requires_a_message_group_and_a_deduplication_id_or_content_based_deduplication",
          "moto enforces it"),
    Limit("SQS FIFO deduplication window", "5 minutes from the first send, whether or not it was consumed", False,
          f"{GAPS}::test_a_fifo_deduplication_id_already_consumed_is_delivered_again",
          "differs: moto drops only a duplicate of a message still on the queue; a rerun after its records were "
          "consumed sends them again"),
    Limit("SQS queue policy", "evaluated with the caller's policies", False,
          f"{GAPS}::test_an_sqs_queue_policy_deny_is_not_enforced",
          "not enforced: moto evaluates identity policies only"),
    Limit("SNS message size", f"{q.SNS_MESSAGE_BYTES:,} bytes (256 KiB), a topic's default", True,
          f"{SERVICES}::test_sns_publishes_exactly_256_kib_and_refuses_one_byte_more", "moto enforces it"),
    Limit("SNS MaximumMessageSize", "a topic may take up to 1 MiB", False,
          f"{GAPS}::test_an_sns_topic_maximum_message_size_above_256_kib_is_not_honoured",
          "not enforced: moto refuses above 256 KiB whatever the topic says (the program sets no such topic)"),
    Limit("DynamoDB item size", f"{q.DYNAMODB_ITEM_BYTES:,} bytes (400 KB)", True,
          f"{SERVICES}::test_dynamodb_stores_an_item_of_exactly_400_kb_and_refuses_one_byte_more",
          "moto guessed 405,000 bytes; numbers are sized by their digits, not as DynamoDB stores them"),
    Limit("BatchWriteItem requests", f"{q.DYNAMODB_BATCH_WRITE_ITEMS}, per table and in all", True,
          f"{SERVICES}::test_batch_write_item_takes_25_requests_and_refuses_26_in_one_table",
          "ValidationException; moto wrote any number"),
    Limit("BatchWriteItem size", f"{q.DYNAMODB_BATCH_WRITE_BYTES:,} bytes (16 MB)", False, None,
          "not enforced: 25 items of at most 400 KB stay under it"),
    # deploy-time rules
    Limit("IAM role name", f"{q.IAM_ROLE_NAME_CHARACTERS} characters, [\\w+=,.@-]", True, NAMES,
          "refused at deploy, after Pulumi's auto-name suffix"),
    Limit("Lambda function name", f"{q.LAMBDA_FUNCTION_NAME_CHARACTERS} characters, [A-Za-z0-9_-]", True, NAMES,
          "refused at deploy"),
    Limit("State machine name", f"{q.STATE_MACHINE_NAME_CHARACTERS} characters, no white space or specials", True,
          NAMES, "refused at deploy"),
    Limit("SQS queue name", f"{q.SQS_QUEUE_NAME_CHARACTERS} characters with .fifo", True, NAMES,
          "refused at deploy"),
    Limit("S3 bucket name", "3..63 characters, lowercase, digits, . and -", True, NAMES, "refused at deploy"),
    Limit("Log group name", f"{q.LOG_GROUP_NAME_CHARACTERS} characters", True, NAMES, "refused at deploy"),
    Limit("DynamoDB table name", "3..255 characters, [A-Za-z0-9_.-]", True, NAMES, "refused at deploy"),
    Limit("SNS topic name", f"{q.SNS_TOPIC_NAME_CHARACTERS} characters", True, NAMES, "refused at deploy"),
    Limit("Inline role policy", f"{q.IAM_ROLE_POLICY_CHARACTERS:,} characters, white space not counted", True,
          f"{RULES}::test_an_inline_role_policy_of_10240_characters_deploys_and_10241_is_refused",
          "refused at deploy"),
    Limit("A role's inline policies together", f"{q.IAM_ROLE_POLICY_CHARACTERS:,} characters", True,
          f"{RULES}::test_a_roles_inline_policies_of_10240_characters_together_deploy_and_one_more_is_refused",
          "refused at deploy, naming the role and the policy that passes it"),
    Limit("Role trust policy", f"{q.IAM_TRUST_POLICY_CHARACTERS:,} characters (default quota)", True,
          f"{RULES}::test_a_trust_policy_of_2048_characters_deploys_and_2049_is_refused", "refused at deploy"),
    Limit("HTTP API integration timeoutMilliseconds", "50..30,000", True,
          f"{RULES}::test_an_http_api_integration_timeout_outside_50_to_30000_ms_is_refused", "refused at deploy"),
    Limit("State machine definition", f"{q.STATE_MACHINE_DEFINITION_BYTES:,} bytes (1 MB)", True,
          f"{RULES}::test_a_definition_of_1_mb_deploys_and_one_byte_more_is_refused", "refused at deploy"),
    Limit("State machine definition structure", "InvalidDefinition: StartAt, Next, Catch and Default targets, "
          "Next or End, reachable states", True,
          f"{RULES}::test_a_definition_create_state_machine_would_refuse_is_refused_at_deploy_naming_the_problem",
          "refused at deploy with AWS's diagnostic codes; moto's parser took them"),
    Limit("Lambda .zip package", "50 MB zipped, 250 MB unzipped", True,
          f"{RULES}::test_a_lambda_package_over_50_mb_zipped_or_250_mb_unzipped_is_refused",
          "refused at deploy (layers are not counted: the program has none)"),
    Limit("Lambda environment variables", f"{q.LAMBDA_ENVIRONMENT_BYTES:,} bytes together", True,
          f"{RULES}::test_environment_variables_of_4_kb_deploy_and_one_byte_more_is_refused", "refused at deploy"),
    Limit("Lambda timeout and memory", "1..900 seconds; 128..10,240 MB", True,
          f"{RULES}::test_a_lambda_timeout_or_memory_lambda_does_not_take_is_refused", "refused at deploy"),
    Limit("Log retention", "1, 3, 5, 7, 14, 30, 60, 90, ... 3653 days", True,
          f"{RULES}::test_a_log_retention_cloudwatch_accepts_deploys_and_one_it_does_not_is_refused",
          "refused at deploy"),
    # Lambda and the HTTP API
    Limit("Lambda synchronous request", f"{q.LAMBDA_SYNC_REQUEST_BYTES:,} bytes (6 MB)", True,
          f"{LAMBDA}::test_a_synchronous_request_of_6_mib_is_invoked_and_one_byte_more_is_refused_before_the_function_runs",
          "RequestEntityTooLargeException, HTTP 413, AWS's message; the function does not run"),
    Limit("Lambda synchronous response", f"{q.LAMBDA_SYNC_RESPONSE_BYTES:,} bytes (6 MB + 100)", True,
          f"{LAMBDA}::test_a_response_of_6_mib_and_100_bytes_is_returned_and_one_byte_more_is_a_response_size_function_error",
          "the function error Function.ResponseSizeTooLarge, also as a Lambda task's error (moto refused "
          "responses past 6,000,000 bytes)"),
    Limit("HTTP API payload", f"{q.HTTP_API_PAYLOAD_BYTES:,} bytes (10 MB)", True,
          f"{QUOTAS}::test_the_http_api_takes_a_body_of_10_mb_and_refuses_one_byte_more_with_413_starting_nothing",
          "413 Request Entity Too Large, before any route or integration"),
    Limit("HTTP API integration timeout", "the integration's timeoutMilliseconds, at most 30 s", True,
          f"{QUOTAS}::test_an_integration_past_its_timeout_is_answered_503_service_unavailable",
          "503 Service Unavailable; the integration runs on, as in AWS"),
    Limit("HTTP API Content-Length", "a number of bytes, else 400 Bad Request", True,
          f"{GATEWAY}::test_a_content_length_that_is_no_number_of_bytes_is_answered_400_and_starts_nothing",
          "400, nothing started (the sandbox gave no answer); the body's wording is the sandbox's, unverified"),
    Limit("HTTP API chunked request body", "read by its chunks, held to the payload quota", True,
          f"{GATEWAY}::test_a_chunked_body_is_read_and_becomes_the_execution_input",
          "the sandbox read no body; over 10 MB: 413, a malformed chunk: 400"),
    Limit("HTTP API StartExecution integration errors", "Step Functions' status and error body, one call", True,
          f"{GATEWAY}::test_a_start_execution_throttled_once_is_the_callers_400_not_retried_behind_its_back",
          "a throttle is the caller's 400 ThrottlingException (the sandbox retried it); a body StartExecution "
          "refuses is its 400 InvalidExecutionInput; `__type` lacks AWS's namespace prefix, as moto answers it"),
    Limit("Lambda concurrency", "1,000 concurrent executions per account and Region (default quota); past it, "
          "Invoke answers TooManyRequestsException", False, None,
          "not enforced: each function has a pool of warm workers and further invocations wait for one; "
          "`--fault function=...,error=Lambda.TooManyRequestsException` causes the throttle a test needs"),
    # Lambda's Python runtime
    Limit("Lambda import path", "the archive, then the runtime's boto3 and its dependencies, then the standard "
          "library; an import the archive lacks fails with Runtime.ImportModuleError", True,
          f"{PYTHON}::test_an_import_missing_from_the_requirements_fails_with_import_module_error",
          "the same path (python -I -S); nothing of the sandbox's own environment imports"),
    Limit("Lambda runtime's boto3 version", "whatever the runtime release in that Region ships; AWS does not "
          "publish it (lambda-python.html, Runtime-included SDK versions)", False,
          f"{PYTHON}::test_a_function_imports_the_runtime_s_boto3_and_nothing_else_of_the_sandbox",
          "differs: the sandbox's own, " + ", ".join(f"{name} {version}" for name, version in
          runtime_package_versions().items()) + "; pin boto3 in a function's requirements to run the same in both"),
    Limit("Lambda Python version", "the Python the runtime names (python3.12: 3.12)", True,
          f"{PYTHON}::test_a_function_runs_on_the_python_its_runtime_names",
          "that Python, found on PATH, under pyenv or uv"),
    Limit("Lambda runtime whose Python is not on this machine", "runs on its Python", False,
          f"{PYTHON}::test_a_runtime_whose_python_is_missing_runs_on_the_nearest_and_says_so",
          "differs: runs on the nearest Python found, said by a SubstitutePythonWarning, each invocation record "
          "(`warning`) and the function's log"),
    Limit("Lambda compiled dependencies", "a wheel for another Python or platform fails to import "
          "(Runtime.ImportModuleError)", True,
          f"{PYTHON}::test_a_compiled_dependency_for_another_python_is_refused_before_the_run",
          "refused before the run, naming the package, the runtime and the fix; one the runtime's Python would load "
          "but this machine's cannot (no such Python here, or another architecture) is refused too"),
    Limit("python3.9 functions that import boto3", "the runtime's boto3 (AWS blocks new python3.9 functions)",
          False, f"{PYTHON}::test_a_python_3_9_function_importing_the_runtime_s_boto3_is_refused_naming_why",
          "differs: refused at deploy, as the sandbox's boto3 needs Python 3.10+; bundle boto3 to run one"),
    Limit("Lambda Max Memory Used", "the execution environment's peak memory", True,
          f"{PYTHON}::test_max_memory_used_is_the_function_s_own_peak",
          "the worker process's own peak resident size (VmHWM) since it started; processes a handler starts "
          "are not counted"),
    # regions and tags
    Limit("Region", "every resource and ARN in the stack's aws:region", True,
          f"{REGION_TAGS}::test_every_arn_of_a_stack_in_eu_west_1_is_in_eu_west_1",
          "the embedded AWS takes the stack's region at deploy; functions' AWS_REGION and preview too"),
    Limit("Resource tags", "stored; each service's ListTags returns them", True,
          f"{REGION_TAGS}::test_each_service_lists_the_tags_the_program_gave",
          "Lambda, Step Functions, DynamoDB, S3, SNS, SQS, CloudWatch Logs, IAM roles, HTTP APIs"),
    # recorded, not emulated
    Limit("CloudWatch alarms", "evaluated on metrics", False,
          f"{GAPS}::test_alarms_are_recorded_and_never_created_or_evaluated",
          "recorded, never evaluated: the embedded AWS emits no metrics"),
    Limit("HTTP API access logs", "written to the stage's log group", False,
          f"{GAPS}::test_http_api_access_logs_are_not_written", "not written: recorded in the stage only"),
    Limit("SNS e-mail subscriptions", "a confirmation mail, then every message by mail", False, None,
          "recorded, never evaluated: the subscription is kept, no mail is sent"),
    Limit("X-Ray tracing", "traces of each execution and function", False, None,
          "recorded, never evaluated: tracing settings are kept, no trace is written"),
    Limit("KMS keys of topics, queues and tables (alias/aws/...)", "encrypt at rest with the AWS managed key",
          False, None, "not enforced: the key settings are kept and nothing is encrypted; no key policy is evaluated"),
)  # fmt: skip


def _sandbox(limit: Limit) -> str:
    return "enforced" if limit.enforced else "not enforced"


def markdown() -> str:
    """The ledger as a Markdown table (`python -m tools.docs --write` puts it in docs/generated/sandbox-limits.md)."""
    lines = ["| quota or rule | AWS | sandbox | proof / why |", "| --- | --- | --- | --- |"]
    for limit in LEDGER:
        proof = f"`{limit.test}`: {limit.note}" if limit.test else limit.note
        cells = [limit.rule, limit.aws, _sandbox(limit), proof]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def table() -> Table:
    """The ledger for the console."""
    view = Table(title=f"AWS quotas and rules: {sum(limit.enforced for limit in LEDGER)} of {len(LEDGER)} enforced")
    for column in ("quota or rule", "AWS", "sandbox", "proof / why"):
        view.add_column(column, overflow="fold")
    for limit in LEDGER:
        color = "green" if limit.enforced else "yellow"
        proof = f"{limit.test}\n{limit.note}" if limit.test else limit.note
        view.add_row(limit.rule, limit.aws, f"[{color}]{_sandbox(limit)}[/{color}]", proof)
    return view


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """`limits` takes no arguments: the docs' copy of the ledger is written by `python -m tools.docs --write`."""


def command(args: argparse.Namespace, console: Console) -> int:
    """`python -m tools.sandbox limits`: print the ledger."""
    console.print(table())
    return 0
