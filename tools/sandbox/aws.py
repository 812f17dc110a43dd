"""The embedded AWS: an in-process moto server on 127.0.0.1 that executes state machines and enforces IAM.

This module patches moto's PRIVATE API; `tests/sandbox/test_moto_patch_points.py` fails loudly when a moto
upgrade moves any of these points (moto is pinned exactly in requirements-dev.txt):

- `moto.stepfunctions.parser.asl.utils.boto_client.boto_client_for`, and every interpreter module that imported it
  by name: the clients the Step Functions interpreter calls services with. moto signs them with a fixed fake key;
  we sign them with credentials of the execution's role, so the state machine role is enforced as in AWS.
- `moto.awslambda.models.LambdaBackend.invoke`: moto runs functions in Docker, which we lack; we run the
  deployed zip in `LambdaRuntime` worker processes, holding requests and responses to Lambda's 6 MB limits.
- `moto.stepfunctions.models.StateMachine.__init__`, `EventManager.add_event`, `Environment.__init__` and
  `Program.eval` (`execution_limits.install`): a Standard execution's 25,000 history events and an Express
  execution's 5 minutes; moto ran every Express execution as a Standard one.
- `moto.awslambda.responses.sys`: moto refused any response whose `sys.getsizeof` passed 6,000,000, short of
  Lambda's 6,291,556 bytes (`lambda_limits.install`).
- `moto.iam.access_control.IAMRequestBase.__init__`: moto names the checked action after the API operation
  (`lambda:Invoke`); IAM's name is `lambda:InvokeFunction`. And moto re-signs a bodyless request with its parsed
  parameters as the body, so every signed GET (and a bodyless POST, e.g. an Invoke without a payload) would fail;
  we re-sign it with the empty body it was sent with (except S3's: its signature covers the payload hash header,
  and its AccessDenied reads those parameters).
- `_determine_resource` on moto's DynamoDB, Lambda, Step Functions and SNS responses: without it moto checks
  those services' actions against Resource "*" only, so a least-privilege policy naming one table would deny.
- `moto.s3.models.FakeBucket.get_permission`: moto evaluates a bucket policy's Deny without its conditions, so
  the usual "deny unless aws:SecureTransport" statement denies everything; we evaluate it with
  `aws:SecureTransport = true`, as every SDK request to AWS's TLS endpoints is (the embedded endpoint stands in
  for them).
- `moto.stepfunctions.parser.models.StepFunctionsParserBackend.start_execution`: an execution started without
  a name is named "None" (so a second one is refused as a duplicate); AWS names it with a UUID, and so do we.
  And moto accepts an input of any size; AWS refuses one over 256 KiB (UTF-8 bytes) with a ValidationException,
  and so do we; moto also takes an input holding NaN or Infinity (Python's json reads them), which AWS refuses
  with InvalidExecutionInput, as we do. Every StartExecution reaches this one function: boto3, the HTTP API's
  integration, a Lambda, and a state machine's `states:startExecution` task all call the embedded endpoint.
- `moto.backends.list_of_moto_modules`: moto's server routes every request by listing moto's own package folder
  (about 250 `isdir` calls) under one lock that every request thread shares; the folder does not change while
  the server runs, so we list it once. (It cost the embedded S3 about a third of its CPU per PutObject and made
  concurrent requests queue behind each other.)
- `is_within_size_quota` in every interpreter module that imported it by name (`interpreter.SIZE_QUOTA_MODULES`):
  moto refuses a state payload of exactly 256 KiB (`<`), AWS accepts it (`<=`).
- `StateTaskService._verify_size_quota` and `_before_eval_execution`: moto's cause for a task result over the
  quota names the service ("dynamodb"), ours names the state; and a task's input after Parameters over the quota
  fails with States.DataLimitExceeded, as AWS's error handling page says, where moto sends it.
- `ErrorEqualsDecl._eval_body`: moto's `States.ALL` catches and retries everything; in AWS it matches neither
  States.DataLimitExceeded nor States.Runtime (terminal errors), only a Retry or Catch that names them does.
- `StateTaskServiceDynamoDB._from_error` and `StateTaskServiceLambda._from_error`: moto turns the DynamoDB task's
  own States.DataLimitExceeded into an unnamed `DynamoDB.AmazonDynamoDBException`, and names every error
  `<Service>.<code>`; AWS uses that for a service's modeled exceptions (its API model's error shapes) and its SDK's
  base exception for the rest (AccessDeniedException, ValidationException): `DynamoDB.AmazonDynamoDBException`,
  `Lambda.AWSLambdaException`.
- `DistributedItemProcessorWorker._eval_input`: a Distributed Map child is an execution, whose input AWS bounds
  at 256 KiB; moto runs a child of any size. Ours fails with States.DataLimitExceeded, a failed item.
- `DistributedIterationComponent._map_run`: moto parses ToleratedFailureCount and ToleratedFailurePercentage but
  a failed child never fails the Map; AWS fails it with States.ExceedToleratedFailureThreshold beyond them (none
  set: at the first failure), and so do we. These six live in `tools/sandbox/interpreter.py`.
- `CustomErrorName` of moto's inline Map worker (`iteration_worker`) and Parallel (`branches_decl`): they named an
  iteration's or a branch's error with a custom name, which refuses the `States.` prefix, so an iteration failing
  with States.DataLimitExceeded (an item's result over 256 KiB) failed the execution with States.Runtime; AWS fails
  the Map (or the Parallel) with States.DataLimitExceeded, which
  States.ALL does not catch, and so do we (`interpreter.iteration_error_name`; the parser moto takes from
  LocalStack: localstack/localstack#10489).
- `_authenticate_and_authorize_normal_action` of `DynamoHandler` and `LambdaResponse`: moto answers a denied call
  with IAM's XML `AccessDenied` (HTTP 403), which a JSON client reads as error code "403"; DynamoDB (HTTP 400) and
  Lambda (HTTP 403) answer `AccessDeniedException` in JSON, naming the resource, and so do we
  (`tools/sandbox/access_denied.py`).
- `moto.dynamodb.models.dynamo_type.LimitedSizeDict.__setitem__`: moto refuses an item over 405,000 bytes, a guess
  "between 409 and 410KB"; AWS's quota is 400 KB (409,600 bytes), so we refuse from 409,601.
- `DynamoHandler.batch_write_item`: moto writes any number of requests; AWS refuses more than 25 (per table, and
  across tables) with a ValidationException. These two live in `tools/sandbox/dynamodb.py`.
- `IterationWorker._eval_pool` and `DistributedItemProcessorWorker._eval_pool`: a Map worker called itself once
  per job, so past about a thousand jobs per worker (items / MaxConcurrency) its thread died of RecursionError
  and the execution stayed RUNNING for ever; ours loop (`map_workers.install`, from `interpreter.install`).
- `moto.core.base_backend.BackendDict.__getitem__`: every backend lookup took moto's global lock and scanned every
  BackendDict to register itself again; an account already present is returned at once (`backend_lookup.py`).
- `moto.core.authorization.ActionAuthenticatorMixin._authenticate_and_authorize_action`: every request passes it
  before moto runs the operation; an active API fault (`tools/sandbox/api_faults.py`) answers the request there
  with its service's own error, after the IAM check.
- `sys.modules["moto.batch"]` (`deferred_imports.py`): moto's interpreter imports `moto.batch.utils`, whose package
  `__init__` imports all of EC2 (about 1 s of CPU per sandbox start, getmoto/moto#2858); the package's `__init__`
  runs on first use instead.
- `ThreadedMotoServer._server_entry`, in a subclass (`QuickStopMotoServer`), not a patch: moto's server polls for
  its stop every 0.5 s, which every sandbox's close waited out; ours polls every 50 ms.
- `ResourceEvalS3._handle_put_object` of the Distributed Map's ResultWriter: moto writes a manifest with no
  result files (a TODO in moto) and drops the results; we write them as AWS does (SUCCEEDED_0.json records).
- `StepFunctionResponse.test_state` (`tools/sandbox/test_state.py`): moto's server does not route TestState (HTTP
  500) though it carries LocalStack's TestState parser and execution; we route it to them and add what that copy
  predates (stateName, mock, context, stateConfiguration, RETRIABLE and CAUGHT_ERROR), replacing, per request, the
  parsed state's `_eval_execution` (a mock) and `_eval_state` (one attempt through Retry and Catch), and ending the
  program after a state that succeeds (moto's copy leaves it running).
- `StringJSONata._eval_body` and `StringVariableSample._eval_body` (moto's `string_expression` module): moto never
  sets its JSONata evaluator (`eval_jsonata_expression` calls None), so every `{% %}` expression and every variable
  read failed with States.Runtime; ours evaluate with jsonata-python, binding `$states` and the variables as values,
  with AWS's `$partition`, `$range`, `$hash`, `$random`, `$uuid` and `$parse`, and fail with
  States.QueryEvaluationError naming the field as AWS does (`tools/sandbox/jsonata.py`).
- `FailureEventException.get_execution_failed_event_details`: a cause leaving a Map iteration was prefixed a second
  time with "An error occurred while executing the state 'None'"; AWS prefixes it once, naming the innermost state,
  and so do we (`tools/sandbox/jsonata.py`).
- `AssignDecl._eval_body`: variables held to AWS's 256 KiB per variable and per Assign and 10 MiB stored
  (`tools/sandbox/variables.py`).
- `StepFunctionsParserBackend.create_state_machine` and `.update_state_machine`: they refuse a field of the other
  query language (`Parameters` in a JSONata state, `Output` in a JSONPath one) with AWS's InvalidDefinition; moto
  ignored `Output` and refused `Parameters` with an error code of "", and a Wait's literal Seconds over 99,999,999
  (moto slept) (`tools/sandbox/query_language.py`, which the deploy rules also call).
- `ExecutionWorker._get_evaluation_environment`, `CommonStateField._eval_state_input`, the preprocessor's
  `from_string_literal`, and `asl_parser.Preprocessor` (a subclass whose `_inner_string_of` reads JSON): the context
  object's times as AWS writes them
  (`...T02:23:43.421Z`; moto's datetime made DescribeExecution answer 500) with `Execution.RedriveCount`, and a
  definition's strings read as JSON reads them (a `\\ud83d\\ude00` emoji failed with UnicodeEncodeError)
  (`tools/sandbox/context_object.py`).
- `WaitFunction._eval_body` and a new `StepFunctionResponse.redrive_execution`: a Wait past a Standard execution's
  one year fails with States.Runtime (moto slept on); RedriveExecution, which moto lacks (HTTP 500), is refused with
  ExecutionNotRedrivable naming StartExecution (`execution_limits.install`). These five modules are installed from
  `interpreter.install`.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import uuid
from collections.abc import Callable
from functools import partial
from typing import Any
from urllib.parse import unquote

import boto3
from botocore.client import BaseClient
from botocore.config import Config

from . import (
    access_denied,
    api_faults,
    backend_lookup,
    deferred_imports,
    dynamodb,
    interpreter,
    lambda_limits,
    test_state,
)
from .faults import FaultRegistry, LambdaServiceError
from .quotas import STATES_PAYLOAD_BYTES

ACCOUNT_ID = "123456789012"
#: An embedded AWS's region until a program is deployed into it; then its stack's `aws:region` (`EmbeddedAws.region`).
DEFAULT_REGION = REGION = "us-east-1"
HOST = "127.0.0.1"
#: Operation names moto checks that differ from IAM's action names.
IAM_ACTION_NAMES = {"lambda:Invoke": "lambda:InvokeFunction"}
#: Interpreter modules that imported `boto_client_for` by name, so each needs the patched function.
BOTO_CLIENT_MODULES = (
    "moto.stepfunctions.parser.asl.utils.boto_client",
    "moto.stepfunctions.parser.asl.component.state.exec.state_map.result_writer.resource_eval.resource_eval_s3",
    "moto.stepfunctions.parser.asl.component.state.exec.state_map.item_reader.eval.resource_eval_s3",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.lambda_eval_utils",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sqs",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sfn",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_dynamodb",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sns",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_events",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_batch",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_ecs",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_glue",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_unsupported",
)

Credentials = dict[str, str]
LambdaInvoker = Callable[[str, bytes], tuple[bytes, str | None]]


class SandboxError(RuntimeError):
    """The embedded AWS could not do what was asked."""


class AlreadyRunning(SandboxError):
    """An embedded AWS is already running in this process: moto's backends and our patches are process-global."""


def _strict_json(text: str) -> Any:
    """`text` parsed as JSON as AWS parses it: Python's json also takes NaN, Infinity and -Infinity; JSON does not."""

    def refuse(token: str) -> Any:
        raise ValueError(f"Non-standard token '{token}': not a JSON number")

    return json.loads(text, parse_constant=refuse)


# --- resource ARNs for IAM checks -------------------------------------------------------------------------


def _json_body(response: Any) -> dict[str, Any]:
    if isinstance(response.body, dict):
        return response.body
    try:
        body = json.loads(response.body or "{}")
    except (TypeError, ValueError):
        return {}
    return body if isinstance(body, dict) else {}


def _dynamodb_resource(self: Any) -> str:
    body = _json_body(self)
    table = body.get("TableName")
    tables = list(body.get("RequestItems") or {})  # BatchWriteItem / BatchGetItem name their tables here
    if not table and len(tables) == 1:
        table = tables[0]
    if not table:
        return "*"  # several tables (or none): only a policy on "*" allows it, stricter than AWS
    return f"arn:aws:dynamodb:{self.region}:{self.current_account}:table/{table}"


def _lambda_resource(self: Any) -> str:
    parts = self.path.split("/")
    if "functions" not in parts or parts.index("functions") + 1 >= len(parts):
        return "*"
    name = unquote(parts[parts.index("functions") + 1])
    if name.startswith("arn:"):
        name = name.split(":")[6]
    return f"arn:aws:lambda:{self.region}:{self.current_account}:function:{name.split(':')[0]}"


def _states_resource(self: Any) -> str:
    body = _json_body(self)
    return str(body.get("stateMachineArn") or body.get("executionArn") or body.get("mapRunArn") or "*")


def _sns_resource(self: Any) -> str:
    try:
        topic = self._get_param("TopicArn")
    except Exception:
        return "*"
    return str(topic or "*")


def _applies_over_tls(statement: dict[str, Any]) -> bool:
    """Whether a statement's `Bool aws:SecureTransport` condition (if any) holds for a TLS request."""
    expected = (statement.get("Condition") or {}).get("Bool", {}).get("aws:SecureTransport")
    if expected is None:
        return True
    values = expected if isinstance(expected, list) else [expected]
    return "true" in [str(value).lower() for value in values]


# --- the server ---------------------------------------------------------------------------------------------


class EmbeddedAws:
    """moto on 127.0.0.1:<free port>, Step Functions executing, IAM enforced once `enforce_iam()` is called."""

    #: The embedded AWS running in this process, if any (guarded by `_running_lock`).
    _running: EmbeddedAws | None = None
    _running_pid = 0
    _running_lock = threading.Lock()

    def __init__(
        self,
        lambda_invoker: LambdaInvoker | None = None,
        faults: FaultRegistry | None = None,
        region: str = DEFAULT_REGION,
    ) -> None:
        self.lambda_invoker = lambda_invoker
        #: Where the program's resources live and the operator's clients call: the deploy sets its stack's region.
        self.region = region
        #: The faults injected into API calls (and, through the invoker's runtime, into Lambda invocations).
        self.faults = FaultRegistry() if faults is None else faults
        self.endpoint_url = ""
        self._server: Any = None
        self._role_credentials: dict[str, Credentials] = {}
        self._admin: Credentials | None = None
        self._undo: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    # lifecycle
    def start(self) -> EmbeddedAws:
        """Start the server; refused (`AlreadyRunning`) while another embedded AWS runs in this process."""
        with EmbeddedAws._running_lock:
            # (a forked child inherits the parent's record, not its server: the pid tells them apart)
            if EmbeddedAws._running is not None and EmbeddedAws._running_pid == os.getpid():
                raise AlreadyRunning(
                    f"an embedded AWS is already running in this process ({EmbeddedAws._running.endpoint_url}); moto's "
                    "state is process-global, so a second one would wipe the first: share the running Sandbox (e.g. "
                    "one session-scoped fixture), or start the second in a process of its own"
                )
            EmbeddedAws._running, EmbeddedAws._running_pid = self, os.getpid()
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> EmbeddedAws:
        from moto import settings as moto_settings
        from moto.core import config as moto_config

        deferred_imports.install()  # before the interpreter's modules import moto.batch.utils
        user_config: dict[str, Any] = moto_config.default_user_config  # type: ignore[assignment]
        self._patch_dict(user_config["stepfunctions"], "execute_state_machine", True)
        self._patch_attr(moto_settings, "INITIAL_NO_AUTH_ACTION_COUNT", float("inf"))
        self._install_patches()
        self._quiet_loggers()
        self._reset_backends()
        self._server = _moto_server_class()(ip_address=HOST, port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"
        self._admin = self._create_admin()
        return self

    def stop(self) -> None:
        """Stop the server and undo the patches; a no-op unless this instance is the one running."""
        with EmbeddedAws._running_lock:
            if EmbeddedAws._running is not self:
                return
        if self._server is not None:
            self._server.stop()
            self._server = None
        self._reset_backends()
        while self._undo:
            self._undo.pop()()
        with EmbeddedAws._running_lock:
            EmbeddedAws._running = None

    def __enter__(self) -> EmbeddedAws:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def operator_credentials(self) -> Credentials:
        """The sandbox operator's access key (an administrator), e.g. to sign HTTP API requests."""
        if self._admin is None:
            raise SandboxError("the embedded AWS is not started")
        return dict(self._admin)

    # clients
    def client(self, service: str, credentials: Credentials | None = None, config: Config | None = None) -> BaseClient:
        """A boto3 client for the embedded AWS, as the sandbox operator unless other credentials are given;
        `config` overrides the defaults (two retries, a 900 s read timeout, no host prefix)."""
        # TestState's endpoint has AWS's host prefix "sync-": a client to 127.0.0.1 must not add it.
        defaults = Config(retries={"max_attempts": 2, "mode": "standard"}, read_timeout=900, inject_host_prefix=False)
        creds = credentials or self._admin
        if creds is None:
            raise SandboxError("the embedded AWS is not started")
        return boto3.client(
            service,
            region_name=self.region,
            endpoint_url=self.endpoint_url,
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds.get("SessionToken"),
            config=defaults.merge(config) if config else defaults,
        )

    def role_credentials(self, role_arn: str) -> Credentials:
        """Credentials of an assumed role (cached per role), as the service that may assume it would get."""
        from moto.sts.models import sts_backends

        with self._lock:
            cached = self._role_credentials.get(role_arn)
            if cached:
                return cached
            # AWS services assume roles through the role's trust policy, not a caller's IAM policy: ask STS's
            # backend directly rather than sending a request that the operator's identity would sign.
            assumed = sts_backends[ACCOUNT_ID]["aws"].assume_role(
                region_name=self.region,
                role_session_name="sandbox",
                role_arn=role_arn,
                policy="",
                duration=43200,
                external_id="",
            )
            creds = {
                "AccessKeyId": assumed.access_key_id,
                "SecretAccessKey": assumed.secret_access_key,
                "SessionToken": assumed.session_token,
            }
            self._role_credentials[role_arn] = creds
            return creds

    # IAM enforcement
    def enforce_iam(self) -> None:
        """From now on every request must be signed by a known identity whose policies allow it."""
        from moto import settings as moto_settings
        from moto.core.authorization import ActionAuthenticatorMixin

        moto_settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
        ActionAuthenticatorMixin.request_count = 0

    # internals
    def _create_admin(self) -> Credentials:
        iam = boto3.client(
            "iam",
            region_name=self.region,
            endpoint_url=self.endpoint_url,
            aws_access_key_id="bootstrap",
            aws_secret_access_key="bootstrap",
        )
        iam.create_user(UserName="sandbox-operator")
        # The sandbox operator stands for the person running `pulumi up`: an administrator of the account.
        iam.put_user_policy(
            UserName="sandbox-operator",
            PolicyName="administrator",
            PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
            ),
        )
        key = iam.create_access_key(UserName="sandbox-operator")["AccessKey"]
        return {"AccessKeyId": key["AccessKeyId"], "SecretAccessKey": key["SecretAccessKey"]}

    def _patch_attr(self, owner: Any, name: str, value: Any) -> None:
        missing = object()
        # The owner's own entry, not getattr: a class's staticmethod reads back as a plain function, which the undo
        # would put back as an instance method; an inherited attribute is undone by deleting the override.
        previous = vars(owner).get(name, missing)
        setattr(owner, name, value)
        if previous is missing:
            self._undo.append(lambda: delattr(owner, name))
        else:
            self._undo.append(lambda: setattr(owner, name, previous))

    def _quiet_loggers(self) -> None:
        # The server's access log and the interpreter's stack dumps would bury the sandbox's own report;
        # failures still reach the report through the execution's error and cause.
        for name in ("werkzeug", "moto"):
            logger = logging.getLogger(name)
            self._undo.append(partial(logger.setLevel, logger.level))
            logger.setLevel(logging.CRITICAL)

    def _patch_dict(self, owner: dict[str, Any], key: str, value: Any) -> None:
        previous = owner.get(key)
        owner[key] = value
        self._undo.append(lambda: owner.__setitem__(key, previous))

    def _install_patches(self) -> None:
        import importlib

        from moto.awslambda.models import LambdaBackend
        from moto.awslambda.responses import LambdaResponse
        from moto.dynamodb.responses import DynamoHandler
        from moto.iam import access_control
        from moto.sns.responses import SNSResponse
        from moto.stepfunctions.responses import StepFunctionResponse

        sandbox = self
        client_for = self._interpreter_client
        for module_name in BOTO_CLIENT_MODULES:
            self._patch_attr(importlib.import_module(module_name), "boto_client_for", client_for)

        self._install_result_writer()
        self._install_module_list_cache()
        self._install_start_execution()
        access_denied.install(self._patch_attr)
        dynamodb.install(self._patch_attr)
        interpreter.install(self._patch_attr)
        test_state.install(self._patch_attr)
        backend_lookup.install(self._patch_attr)
        api_faults.install(self._patch_attr, lambda: sandbox.faults)
        self._install_bucket_policy_conditions()
        original_invoke = LambdaBackend.invoke

        def invoke(
            backend: Any, function_name: str, qualifier: str | None, body: Any, headers: Any, response_headers: Any
        ) -> Any:
            if sandbox.lambda_invoker is None:
                return original_invoke(backend, function_name, qualifier, body, headers, response_headers)
            backend.get_function(function_name, qualifier)  # ResourceNotFoundException for an unknown function
            payload = body.encode() if isinstance(body, str) else (body or b"{}")
            lambda_limits.check_request(payload, headers)
            try:
                result, function_error = sandbox.lambda_invoker(function_name, payload)
            except LambdaServiceError as error:  # an injected service error: the Invoke call itself fails
                api_faults.raise_lambda_service_error(error)
            if function_error:
                response_headers["x-amz-function-error"] = function_error
            return lambda_limits.limit_response(result, headers, response_headers)

        self._patch_attr(LambdaBackend, "invoke", invoke)
        lambda_limits.install(self._patch_attr)

        original_init = access_control.IAMRequestBase.__init__

        def init(request: Any, *args: Any, **kwargs: Any) -> None:
            original_init(request, *args, **kwargs)
            request._action = IAM_ACTION_NAMES.get(request._action, request._action)
            s3 = isinstance(request, access_control.S3IAMRequest)  # S3 signs the payload's hash header, not the body
            content_type = str(dict(request._headers or {}).get("Content-Type", ""))
            if not request._body and "x-www-form-urlencoded" not in content_type and not s3:
                # moto re-signs a bodyless request with its parsed parameters as the body, so the signature of
                # every GET (e.g. Lambda GetFunction) and bodyless POST (an Invoke without a payload) would
                # mismatch; the signed body was empty. (A query-protocol POST's form is its body: left alone.)
                request._data = b""

        self._patch_attr(access_control.IAMRequestBase, "__init__", init)
        for response_class, resolver in (
            (DynamoHandler, _dynamodb_resource),
            (LambdaResponse, _lambda_resource),
            (StepFunctionResponse, _states_resource),
            (SNSResponse, _sns_resource),
        ):
            self._patch_attr(response_class, "_determine_resource", resolver)

    def _install_module_list_cache(self) -> None:
        from moto import backends

        modules = tuple(backends.list_of_moto_modules())
        self._patch_attr(backends, "list_of_moto_modules", lambda: modules)

    def _install_start_execution(self) -> None:
        from moto.stepfunctions.exceptions import InvalidExecutionInput, ValidationException
        from moto.stepfunctions.parser.models import StepFunctionsParserBackend

        original = StepFunctionsParserBackend.start_execution

        def start_execution(
            backend: Any, state_machine_arn: str, name: Any = None, execution_input: Any = None, *args: Any
        ) -> Any:
            if execution_input is not None and len(str(execution_input).encode("utf-8")) > STATES_PAYLOAD_BYTES:
                # AWS's own wording for a request field over its length constraint (`input` is sensitive: no value).
                raise ValidationException(
                    "1 validation error detected: Value at 'input' failed to satisfy constraint: "
                    f"Member must have length less than or equal to {STATES_PAYLOAD_BYTES}"
                )
            if execution_input is not None:
                try:
                    _strict_json(str(execution_input))
                except ValueError as error:  # moto took NaN and Infinity (Python's json does), AWS refuses them
                    raise InvalidExecutionInput(f"Invalid State Machine Execution Input: '{error}'") from None
            return original(backend, state_machine_arn, name or str(uuid.uuid4()), execution_input, *args)

        self._patch_attr(StepFunctionsParserBackend, "start_execution", start_execution)

    def _install_bucket_policy_conditions(self) -> None:
        from moto.iam.access_control import IAMPolicy, PermissionResult
        from moto.s3.models import FakeBucket

        def get_permission(bucket: Any, action: str, resource: str) -> Any:
            if bucket.policy is None:
                return PermissionResult.NEUTRAL
            document = json.loads(bucket.policy.decode())
            statements = document["Statement"] if isinstance(document["Statement"], list) else [document["Statement"]]
            applicable = [statement for statement in statements if _applies_over_tls(statement)]
            if not applicable:
                return PermissionResult.NEUTRAL
            return IAMPolicy(json.dumps({**document, "Statement": applicable})).is_action_permitted(action, resource)

        self._patch_attr(FakeBucket, "get_permission", get_permission)

    def _install_result_writer(self) -> None:
        from moto.stepfunctions.parser.asl.component.state.exec.state_map.result_writer.resource_eval import (
            resource_eval_s3,
        )

        def put_results(env: Any, resource_runtime_part: Any, state_credentials: Any) -> None:
            parameters = env.stack.pop()
            results = env.stack.pop()
            s3 = self._interpreter_client(resource_runtime_part.region, "s3", state_credentials)
            map_run_arn = env.map_run_record_pool_manager.get_all().pop().map_run_arn
            prefix = parameters.get("Prefix", "")
            prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
            folder = f"{prefix}{map_run_arn.split(':')[-1]}/"
            records = [
                {
                    "Name": str(index),
                    "Status": "SUCCEEDED",
                    "Output": json.dumps(output),
                    "OutputDetails": {"Included": True},
                }
                for index, output in enumerate(results if isinstance(results, list) else [])
            ]
            files: dict[str, list[dict[str, Any]]] = {"FAILED": [], "PENDING": [], "SUCCEEDED": []}
            if records:
                body = json.dumps(records).encode()
                s3.put_object(Bucket=parameters["Bucket"], Key=f"{folder}SUCCEEDED_0.json", Body=body)
                files["SUCCEEDED"].append({"Key": f"{folder}SUCCEEDED_0.json", "Size": len(body)})
            manifest = {"DestinationBucket": parameters["Bucket"], "MapRunArn": map_run_arn, "ResultFiles": files}
            key = f"{folder}manifest.json"
            s3.put_object(Bucket=parameters["Bucket"], Key=key, Body=json.dumps(manifest).encode())
            env.stack.append(
                {"MapRunArn": map_run_arn, "ResultWriterDetails": {"Bucket": parameters["Bucket"], "Key": key}}
            )

        self._patch_attr(resource_eval_s3.ResourceEvalS3, "_handle_put_object", staticmethod(put_results))

    def _interpreter_client(self, region: str, service: str, state_credentials: Any = None) -> BaseClient:
        """The client the Step Functions interpreter calls a service with: signed as the execution role."""
        from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import TimeoutSeconds

        role_arn = getattr(state_credentials, "role_arn", None)
        if not role_arn:
            raise SandboxError(f"the interpreter called {service} without an execution role")
        creds = self.role_credentials(role_arn)
        return boto3.client(
            service,
            region_name=region,
            endpoint_url=self.endpoint_url,
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
            config=Config(
                parameter_validation=False,
                retries={"max_attempts": 0, "total_max_attempts": 1},
                connect_timeout=TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS,
                read_timeout=TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS,
            ),
        )

    @staticmethod
    def _reset_backends() -> None:
        """Empty every moto backend, so each sandbox starts from an empty account."""
        from moto.core.base_backend import BackendDict
        from moto.core.model_instances import reset_model_data

        BackendDict.reset()
        reset_model_data()


#: How often a server of the sandbox checks whether it is asked to stop (socketserver's default is 0.5 s, which
#: every sandbox's close waited out once per server).
SERVE_POLL_SECONDS = 0.05


def _moto_server_class() -> type:
    """moto's ThreadedMotoServer, serving with a short poll so that `stop()` returns at once, not after 0.5 s."""
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    class QuickStopMotoServer(ThreadedMotoServer):
        def _server_entry(self) -> None:  # moto's own, but for serve_forever's poll interval
            app = DomainDispatcherApplication(create_backend_app)
            self._server = make_server(self._ip_address, self._port, app, True, request_handler=MotoRequestHandler)
            self._server_ready_event.set()
            self._server.serve_forever(poll_interval=SERVE_POLL_SECONDS)

    return QuickStopMotoServer
