"""The embedded AWS: an in-process moto server on 127.0.0.1 that executes state machines and enforces IAM.

moto is changed only through the registry in `tools/sandbox/patches/` (one module per moto service): each entry
names its target, why it exists, the tests that prove it and moto's issue where it is a moto bug, and uses moto's
own extension points (config switches, backend subclasses) where moto offers them. `EmbeddedAws.start` applies the
registry and `stop` undoes it; `docs/sandbox-patches.md` is generated from it, and
`tests/sandbox/test_moto_patch_points.py` fails loudly when a moto upgrade (moto is pinned exactly in
requirements-dev.txt) moves a point it changes.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable
from functools import partial
from typing import Any

import boto3
from botocore.client import BaseClient
from botocore.config import Config

from . import patches
from .faults import FaultRegistry
from .patching import LambdaInvoker, Patcher

ACCOUNT_ID = "123456789012"
#: An embedded AWS's region until a program is deployed into it; then its stack's `aws:region` (`EmbeddedAws.region`).
DEFAULT_REGION = REGION = "us-east-1"
HOST = "127.0.0.1"
Credentials = dict[str, str]


class SandboxError(RuntimeError):
    """The embedded AWS could not do what was asked."""


class AlreadyRunning(SandboxError):
    """An embedded AWS is already running in this process: moto's backends and our patches are process-global."""


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
        #: The registry's changes to moto while this embedded AWS runs (undone by `stop`).
        self._patcher: Patcher | None = None
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
        self._patcher = Patcher()
        patches.apply(self, self._patcher)
        self._quiet_loggers()
        self._reset_backends()
        self._server = patches.core.moto_server_class(SERVE_POLL_SECONDS)(ip_address=HOST, port=0, verbose=False)
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
        if self._patcher is not None:
            self._patcher.undo()
            self._patcher = None
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

    def _quiet_loggers(self) -> None:
        # The server's access log and the interpreter's stack dumps would bury the sandbox's own report;
        # failures still reach the report through the execution's error and cause.
        for name in ("werkzeug", "moto"):
            logger = logging.getLogger(name)
            self._undo.append(partial(logger.setLevel, logger.level))
            logger.setLevel(logging.CRITICAL)

    def interpreter_client(self, region: str, service: str, state_credentials: Any = None) -> BaseClient:
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
