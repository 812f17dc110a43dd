"""The sandbox's HTTP API gateway: serves the embedded AWS's API Gateway v2 routes on 127.0.0.1 as AWS would.

A request is matched to a route (`POST /downloads`), authorized as the route says (`AWS_IAM`: the SigV4
signature is checked against the embedded IAM's keys and the caller's policies must allow
`execute-api:Invoke` on the route's ARN), throttled by the stage's burst and rate limits, and forwarded as
its integration says: `StepFunctions-StartExecution` starts an execution with the integration role's own
credentials, so that role's policy is enforced too.
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as IntegrationTimedOut
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from botocore.client import BaseClient

from tools.sandbox import quotas as q
from tools.sandbox.aws import ACCOUNT_ID, EmbeddedAws

HOST = "127.0.0.1"


@dataclass
class _Route:
    api_id: str
    stage: str
    route_key: str
    authorization: str
    integration: dict[str, Any]
    burst: int
    rate: float


class _TokenBucket:
    """The stage's throttle: `burst` requests at once, refilled at `rate` per second."""

    def __init__(self, burst: int, rate: float) -> None:
        self.capacity, self.rate = float(max(burst, 1)), float(rate)
        self.tokens, self.updated = self.capacity, time.monotonic()
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            if self.rate <= 0 or self.tokens < 1:
                return False
            self.tokens -= 1
            return True


class _Server(ThreadingHTTPServer):
    #: socketserver's listen backlog is 5: connections arriving together past it were reset by the kernel,
    #: where API Gateway answers every request (429 beyond the stage's throttle). Capped by net.core.somaxconn.
    request_queue_size = 1024
    daemon_threads = True


class HttpApiGateway:
    """Listens on 127.0.0.1:<port>; `url` is every stage's invoke URL in the sandbox."""

    def __init__(self, aws: EmbeddedAws, port: int = 0) -> None:
        self.aws = aws
        gateway = self
        self._buckets: dict[str, _TokenBucket] = {}
        #: Integrations run here, so that one past its timeout is answered 503 while it runs on.
        self._integrations = ThreadPoolExecutor(max_workers=32, thread_name_prefix="http-api-integration")
        self._clients: dict[tuple[str, str], BaseClient] = {}
        self._clients_lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                gateway._handle(self)

            do_GET = do_PUT = do_DELETE = do_PATCH = do_POST  # noqa: N815

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the access log is the stage's, in the embedded CloudWatch; keep the console for reports

        self._server = _Server((HOST, port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self._server.server_address[1]}/"

    def start(self) -> HttpApiGateway:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():  # shutdown() waits for serve_forever, which never ran if start() did not
            self._server.shutdown()
        self._server.server_close()
        self._integrations.shutdown(wait=False, cancel_futures=True)

    # request handling
    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        if length > q.HTTP_API_PAYLOAD_BYTES:  # refused unread and before any route or authorization
            remaining = length
            while remaining > 0:  # drained, so that the client reads the answer, not a connection reset
                chunk = request.rfile.read(min(1 << 20, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
            request.close_connection = True
            return self._reply(request, 413, {"message": "Request Entity Too Large"})
        body = request.rfile.read(length) if length else b""
        path = urlsplit(request.path).path
        route = self._find_route(request.command, path)
        if route is None:
            return self._reply(request, 404, {"message": "Not Found"})
        if route.authorization == "AWS_IAM":
            denied = self._authorize(request, body, route, path)
            if denied:
                return self._reply(request, 403, {"message": denied})
        bucket = self._buckets.setdefault(f"{route.api_id}/{route.stage}", _TokenBucket(route.burst, route.rate))
        if not bucket.take():
            return self._reply(request, 429, {"message": "Too Many Requests"})
        timeout = int(route.integration.get("TimeoutInMillis") or q.HTTP_API_INTEGRATION_TIMEOUT_MS[1]) / 1000
        call = self._integrations.submit(self._integrate, route, body)
        try:
            status, payload = call.result(timeout=timeout)
        except IntegrationTimedOut:  # the integration may still finish; the caller is answered all the same
            status, payload = 503, {"message": "Service Unavailable"}
        self._reply(request, status, payload)

    def _client(self, service: str, role_arn: str | None = None) -> BaseClient:
        """One client per service and role, made on first use: a boto3 client is thread-safe, and making one per
        request cost each request some 10 ms of CPU alone, and far more when many arrive together."""
        with self._clients_lock:
            key = (service, role_arn or "")
            if key not in self._clients:
                credentials = self.aws.role_credentials(role_arn) if role_arn else None
                self._clients[key] = self.aws.client(service, credentials)
            return self._clients[key]

    def _find_route(self, method: str, path: str) -> _Route | None:
        """The route of a `$default` stage matching the request, read from the embedded API Gateway's own
        records: asking its API for them took four calls per request, most of a request's time when many came."""
        from moto.apigatewayv2.models import apigatewayv2_backends

        for api in list(apigatewayv2_backends[ACCOUNT_ID][self.aws.region].apis.values()):
            stage = api.stages.get("$default")
            if stage is None:
                continue
            for route in list(api.routes.values()):
                if route.route_key in (f"{method} {path}", f"ANY {path}"):
                    integration = api.integrations.get((route.target or "").removeprefix("integrations/"))
                    settings = stage.default_route_settings or {}
                    return _Route(
                        api_id=api.api_id,
                        stage="$default",
                        route_key=route.route_key,
                        authorization=route.authorization_type or "NONE",
                        integration={
                            "IntegrationSubtype": getattr(integration, "integration_subtype", None),
                            "RequestParameters": getattr(integration, "request_parameters", None),
                            "CredentialsArn": getattr(integration, "credentials_arn", None),
                            "TimeoutInMillis": getattr(integration, "timeout_in_millis", None),
                        },
                        burst=int(settings.get("throttlingBurstLimit") or 0),
                        rate=float(settings.get("throttlingRateLimit") or 0),
                    )
        return None

    def _authorize(self, request: BaseHTTPRequestHandler, body: bytes, route: _Route, path: str) -> str | None:
        """None when the SigV4 signature is valid and the caller may invoke the route, else the reason."""
        from moto.iam.access_control import IAMRequest

        headers = {key: value for key, value in request.headers.items()}
        if "Authorization" not in headers or "X-Amz-Date" not in headers:
            return "Missing Authentication Token"
        method, route_path = route.route_key.split(" ", 1)
        api = f"arn:aws:execute-api:{self.aws.region}:{ACCOUNT_ID}:{route.api_id}"
        resource = f"{api}/{route.stage}/{method}{route_path}"
        try:
            iam_request = IAMRequest(
                account_id=ACCOUNT_ID,
                method=request.command,
                path=request.path,
                data={},
                body=body,
                headers=headers,
                action="Invoke",
            )
            iam_request.check_signature()
            iam_request.check_action_permitted(resource)
        except Exception as error:
            return f"Forbidden: {getattr(error, 'message', None) or type(error).__name__}"
        return None

    def _integrate(self, route: _Route, body: bytes) -> tuple[int, dict[str, Any]]:
        integration = route.integration
        if integration.get("IntegrationSubtype") != "StepFunctions-StartExecution":
            return 500, {"message": f"the sandbox does not forward {integration.get('IntegrationSubtype')!r}"}
        if not integration.get("CredentialsArn"):
            return 500, {"message": "the integration has no credentials (a role for API Gateway to assume)"}
        parameters = integration.get("RequestParameters") or {}
        document = body.decode("utf-8", "replace") if parameters.get("Input") == "$request.body" else "{}"
        states = self._client("stepfunctions", integration["CredentialsArn"])
        try:
            started = states.start_execution(stateMachineArn=parameters["StateMachineArn"], input=document)
        except Exception as error:
            return 400, {"message": str(error)}
        return 200, {"executionArn": started["executionArn"], "startDate": started["startDate"].timestamp()}

    @staticmethod
    def _reply(request: BaseHTTPRequestHandler, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/x-amz-json-1.0" if status == 200 else "application/json")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)
