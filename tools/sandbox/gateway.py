"""The sandbox's HTTP API gateway: serves the embedded AWS's API Gateway v2 routes on 127.0.0.1 as AWS would.

A request is matched to a route (`POST /downloads`), authorized as the route says (`AWS_IAM`: the SigV4
signature is checked against the embedded IAM's keys and the caller's policies must allow
`execute-api:Invoke` on the route's ARN), throttled by the stage's burst and rate limits, and forwarded as
its integration says: `StepFunctions-StartExecution` starts an execution with the integration role's own
credentials, so that role's policy is enforced too. The integration calls StartExecution once, and its error
(a throttle, an input StartExecution refuses) reaches the caller as Step Functions answered it: status and body.
A body is read by its Content-Length or, sent chunked, by its chunks; a Content-Length that is not a number
of bytes is answered 400 Bad Request.
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as IntegrationTimedOut
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import IO, Any, cast
from urllib.parse import urlsplit

from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError
from werkzeug.serving import DechunkedInput

from . import quotas as q
from .aws import ACCOUNT_ID, SERVE_POLL_SECONDS, EmbeddedAws

HOST = "127.0.0.1"
#: API Gateway calls the integration's service once: a throttled StartExecution is the caller's 400, not retried.
ONE_ATTEMPT = Config(retries={"total_max_attempts": 1})
#: The body and content type an integration answers with.
Answer = tuple[int, bytes, str]
JSON = "application/json"
AMZ_JSON = "application/x-amz-json-1.0"


class BadRequest(Exception):
    """The request's framing is unusable (a Content-Length that is no number of bytes, a malformed chunk)."""


class TooLarge(Exception):
    """The request's body passes the HTTP API's payload quota."""


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
        #: The raw answer of the integration call this thread made last (an integration runs in one thread).
        self._answers = threading.local()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                gateway._handle(self)

            do_GET = do_PUT = do_DELETE = do_PATCH = do_POST  # noqa: N815

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the access log is the stage's, in the embedded CloudWatch; keep the console for reports

        self._server = _Server((HOST, port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(SERVE_POLL_SECONDS,), daemon=True)

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
        try:
            body = self._read_body(request)
        except BadRequest:  # the stream cannot be read past this request: answer it and close the connection
            request.close_connection = True
            return self._reply(request, 400, {"message": "Bad Request"})
        except TooLarge:  # refused unread and before any route or authorization
            request.close_connection = True
            return self._reply(request, 413, {"message": "Request Entity Too Large"})
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
            status, data, content_type = call.result(timeout=timeout)
        except IntegrationTimedOut:  # the integration may still finish; the caller is answered all the same
            return self._reply(request, 503, {"message": "Service Unavailable"})
        self._send(request, status, data, content_type)

    @staticmethod
    def _read_body(request: BaseHTTPRequestHandler) -> bytes:
        """The body, by its chunks (Transfer-Encoding: chunked) or its Content-Length; a body over the payload
        quota is drained unkept, so that the client reads the 413 rather than a connection reset."""
        if "chunked" in str(request.headers.get("Transfer-Encoding") or "").lower():
            request.close_connection = True  # a Content-Length beside it is ignored, as HTTP/1.1 says
            chunks = DechunkedInput(cast(IO[bytes], request.rfile))
            kept, size = bytearray(), 0
            try:
                while size <= 2 * q.HTTP_API_PAYLOAD_BYTES and (piece := chunks.read(1 << 20)):  # drain, bounded
                    size += len(piece)
                    if size <= q.HTTP_API_PAYLOAD_BYTES:
                        kept += piece
            except OSError:  # werkzeug's "Invalid chunk header" and the like
                raise BadRequest from None
            if size > q.HTTP_API_PAYLOAD_BYTES:
                raise TooLarge
            return bytes(kept)
        lengths = request.headers.get_all("Content-Length") or ["0"]
        declared = lengths[0].strip()
        if len(lengths) > 1 or not (declared.isascii() and declared.isdigit()):
            raise BadRequest  # "abc", "-1", "1e3", blank, or two lengths: no way to know where the body ends
        length = int(declared)
        if length > q.HTTP_API_PAYLOAD_BYTES:
            remaining = length
            while remaining > 0:
                chunk = request.rfile.read(min(1 << 20, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
            raise TooLarge
        return request.rfile.read(length) if length else b""

    def _client(self, service: str, role_arn: str | None = None) -> BaseClient:
        """One client per service and role, made on first use: a boto3 client is thread-safe, and making one per
        request cost each request some 10 ms of CPU alone, and far more when many arrive together. It makes one
        attempt per call and keeps each call's raw answer (`_answers`), to pass an error on as it came."""
        with self._clients_lock:
            key = (service, role_arn or "")
            if key not in self._clients:
                credentials = self.aws.role_credentials(role_arn) if role_arn else None
                client = self.aws.client(service, credentials, config=ONE_ATTEMPT)
                client.meta.events.register("after-call", self._keep_answer)
                self._clients[key] = client
            return self._clients[key]

    def _keep_answer(self, http_response: Any, **kwargs: Any) -> None:
        self._answers.response = http_response

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

    def _integrate(self, route: _Route, body: bytes) -> Answer:
        integration = route.integration
        if integration.get("IntegrationSubtype") != "StepFunctions-StartExecution":
            message = f"the sandbox does not forward {integration.get('IntegrationSubtype')!r}"
            return _json(500, {"message": message}, JSON)
        if not integration.get("CredentialsArn"):
            return _json(
                500, {"message": "the integration has no credentials (a role for API Gateway to assume)"}, JSON
            )
        parameters = integration.get("RequestParameters") or {}
        document = body.decode("utf-8", "replace") if parameters.get("Input") == "$request.body" else "{}"
        states = self._client("stepfunctions", integration["CredentialsArn"])
        self._answers.response = None
        try:
            started = states.start_execution(stateMachineArn=parameters["StateMachineArn"], input=document)
        except ClientError as error:  # Step Functions' answer, passed on as it came: its status and its body
            return _passed_on(error, self._answers.response)
        except Exception:  # no answer at all (the connection failed): API Gateway's own 500
            return _json(500, {"message": "Internal Server Error"}, JSON)
        return _json(200, {"executionArn": started["executionArn"], "startDate": started["startDate"].timestamp()})

    def _reply(self, request: BaseHTTPRequestHandler, status: int, payload: dict[str, Any]) -> None:
        """API Gateway's own answer: `{"message": ...}` in JSON."""
        self._send(request, *_json(status, payload, JSON))

    @staticmethod
    def _send(request: BaseHTTPRequestHandler, status: int, data: bytes, content_type: str) -> None:
        request.send_response(status)
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)


def _json(status: int, payload: dict[str, Any], content_type: str = AMZ_JSON) -> Answer:
    return status, json.dumps(payload).encode(), content_type


def _passed_on(error: ClientError, response: Any) -> Answer:
    """A service error as the service answered it; rebuilt in its JSON shape if its raw answer was not kept."""
    status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 500)
    if response is not None and response.status_code == status:
        return status, bytes(response.content), str(response.headers.get("Content-Type") or AMZ_JSON)
    return _json(status, {"__type": error.response["Error"]["Code"], "message": error.response["Error"]["Message"]})
