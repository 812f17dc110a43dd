"""The sandbox's HTTP API gateway under a burst of connections: every request is answered, none is reset."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import requests

from tools.sandbox.aws import EmbeddedAws
from tools.sandbox.gateway import HttpApiGateway


def test_a_hundred_connections_at_once_are_each_answered_not_reset_past_a_listen_backlog():
    callers = 100
    barrier = threading.Barrier(callers)

    def post(url: str) -> int | str:
        barrier.wait()
        try:
            return requests.post(url + "downloads", data="{}", timeout=60).status_code
        except requests.ConnectionError as error:
            return type(error).__name__

    with EmbeddedAws() as aws:
        gateway = HttpApiGateway(aws).start()
        try:
            with ThreadPoolExecutor(max_workers=callers) as pool:
                answers = list(pool.map(post, [gateway.url] * callers))
        finally:
            gateway.stop()

    assert answers == [404] * callers, "no API is deployed: each request is answered 404"


def test_the_gateway_reads_the_routes_from_the_embedded_api_gateways_own_records():
    """The patch point of `HttpApiGateway._find_route`: moto's API Gateway v2 objects and the attributes it reads."""
    with EmbeddedAws() as aws:
        client = aws.client("apigatewayv2")
        api_id = client.create_api(Name="records", ProtocolType="HTTP")["ApiId"]
        integration_id = client.create_integration(
            ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationSubtype="StepFunctions-StartExecution",
            CredentialsArn="arn:aws:iam::123456789012:role/api", PayloadFormatVersion="1.0", TimeoutInMillis=1234,
            RequestParameters={"StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:m"},
        )["IntegrationId"]  # fmt: skip
        client.create_route(ApiId=api_id, RouteKey="POST /go", Target=f"integrations/{integration_id}")
        client.create_stage(
            ApiId=api_id, StageName="$default",
            DefaultRouteSettings={"ThrottlingBurstLimit": 3, "ThrottlingRateLimit": 2.0},
        )  # fmt: skip
        route = HttpApiGateway(aws)._find_route("POST", "/go")
    assert route is not None and (route.api_id, route.route_key, route.burst, route.rate) == (
        api_id,
        "POST /go",
        3,
        2.0,
    )
    assert route.integration == {
        "IntegrationSubtype": "StepFunctions-StartExecution",
        "RequestParameters": {"StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:m"},
        "CredentialsArn": "arn:aws:iam::123456789012:role/api",
        "TimeoutInMillis": 1234,
    }
