"""A small stand-in for the Pulumi engine: its Engine and ResourceMonitor gRPC services on 127.0.0.1, and the
component provider started as the engine starts a plugin, so a test can Construct components as another language's
program asks for them.

The monitor records every resource the provider registers (its type, name, parent and inputs) and the outputs each
component registers; custom resources get the state `tools.program.PreviewMocks` gives them (names, ARNs), and the
sandbox's deploy-time AWS rules check them as in a preview.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.proto import (
    engine_pb2,
    engine_pb2_grpc,
    errors_pb2,
    provider_pb2,
    provider_pb2_grpc,
    resource_pb2,
    resource_pb2_grpc,
    status_pb2,
)

from tools.program import PROJECT_ROOT, PreviewMocks, RecordingMonitor, RegisteredResource

PROJECT, STACK = "team-program", "dev"
STACK_URN = f"urn:pulumi:{STACK}::{PROJECT}::pulumi:pulumi:Stack::{PROJECT}-{STACK}"
#: The features Pulumi's own engine offers that a component provider's SDK asks about.
FEATURES = [
    resource_pb2.RESOURCE_MONITOR_FEATURE_SECRETS,
    resource_pb2.RESOURCE_MONITOR_FEATURE_RESOURCE_REFERENCES,
    resource_pb2.RESOURCE_MONITOR_FEATURE_ALIAS_SPECS,
    resource_pb2.RESOURCE_MONITOR_FEATURE_DELETED_WITH,
]
FEATURE_NAMES = {"secrets", "resourceReferences", "aliasSpecs", "deletedWith"}


class Monitor(RecordingMonitor, resource_pb2_grpc.ResourceMonitorServicer):
    """The resource monitor: registrations recorded (RecordingMonitor), answered with PreviewMocks' state."""

    def __init__(self) -> None:
        super().__init__(PreviewMocks())
        self.outputs: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        if parent:
            type_ = parent.split("::")[2].split("$")[-1] + "$" + type_
        return f"urn:pulumi:{STACK}::{PROJECT}::{type_}::{name}"

    def RegisterResource(self, request: Any, context: Any = None) -> Any:  # noqa: N802 - the gRPC method name
        with self.lock:
            return super().RegisterResource(request)

    def RegisterResourceOutputs(self, request: Any, context: Any = None) -> Any:  # noqa: N802
        with self.lock:
            self.outputs[request.urn] = rpc.deserialize_properties(request.outputs, keep_unknowns=True)
        return empty_pb2.Empty()

    def Invoke(self, request: Any, context: Any = None) -> Any:  # noqa: N802
        return super().Invoke(request)

    def SupportsFeature(self, request: Any, context: Any = None) -> Any:  # noqa: N802
        return resource_pb2.SupportsFeatureResponse(hasSupport=request.id in FEATURE_NAMES)

    def GetDeploymentInfo(self, request: Any, context: Any = None) -> Any:  # noqa: N802
        return resource_pb2.DeploymentInfo(project=PROJECT, stack=STACK, supportedFeatures=FEATURES)

    def RegisterPackage(self, request: Any, context: Any = None) -> Any:  # noqa: N802
        return resource_pb2.RegisterPackageResponse(ref=f"{request.name}@{request.version}")

    def SignalAndWaitForShutdown(self, request: Any, context: Any = None) -> Any:  # noqa: N802
        return empty_pb2.Empty()

    def under(self, urn: str) -> list[RegisteredResource]:
        """Every resource registered beneath the component `urn`, at any depth."""
        with self.lock:
            found, parents = [], {urn}
            for resource in self.registered:  # registration order: a parent before its children
                if resource.parent in parents:
                    found.append(resource)
                    parents.add(resource.urn)
            return found


class Engine(engine_pb2_grpc.EngineServicer):
    """The engine's own service: what the provider logs, kept for the test to read."""

    def __init__(self) -> None:
        self.logs: list[tuple[int, str]] = []

    def Log(self, request: Any, context: Any = None) -> Any:  # noqa: N802 - the gRPC method name
        self.logs.append((request.severity, request.message))
        return empty_pb2.Empty()

    def GetRootResource(self, request: Any, context: Any = None) -> Any:  # noqa: N802
        return engine_pb2.GetRootResourceResponse(urn=STACK_URN)

    def SetRootResource(self, request: Any, context: Any = None) -> Any:  # noqa: N802
        return engine_pb2.SetRootResourceResponse()


@dataclass
class PropertyError:
    """What the engine gets for a refused Construct: the message, and each bad property's path and reason."""

    code: grpc.StatusCode
    message: str
    properties: dict[str, str] = field(default_factory=dict)


class ConstructRefused(Exception):
    def __init__(self, refused: PropertyError) -> None:
        super().__init__(refused.message)
        self.refused = refused


@dataclass
class Constructed:
    urn: str
    outputs: dict[str, Any]
    children: list[RegisteredResource]


class FakeEngine:
    """The engine, its monitor and one provider process; `construct` asks the provider as the engine would."""

    def __init__(self, program_folder: Path, provider_entry: Path = PROJECT_ROOT / "provider") -> None:
        self.program_folder, self.provider_entry = program_folder, provider_entry
        self.engine, self.monitor = Engine(), Monitor()
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
        engine_pb2_grpc.add_EngineServicer_to_server(self.engine, self.server)
        resource_pb2_grpc.add_ResourceMonitorServicer_to_server(self.monitor, self.server)
        self.address = f"127.0.0.1:{self.server.add_insecure_port('127.0.0.1:0')}"
        self.process: subprocess.Popen[str] | None = None
        # a file, not a pipe: a full pipe would stall the provider; closed when `running` ends
        self.stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115
        self.stub: provider_pb2_grpc.ResourceProviderStub | None = None

    @contextlib.contextmanager
    def running(self) -> Iterator[FakeEngine]:
        """The servers up and the provider started as the engine starts a Python plugin: `python <entry folder>
        <engine address>`, in the calling program's folder, with the project's name in PULUMI_PROJECT."""
        self.server.start()
        environment = {**os.environ, "PULUMI_PROJECT": PROJECT}
        self.process = subprocess.Popen(
            [sys.executable, str(self.provider_entry), self.address],
            cwd=self.program_folder, env=environment, stdout=subprocess.PIPE, stderr=self.stderr, text=True,
        )  # fmt: skip
        try:
            assert self.process.stdout is not None
            port = self.process.stdout.readline().strip()
            if not port.isdigit():
                self.process.wait(timeout=30)
                raise RuntimeError(f"the provider did not start: {port!r} {self.provider_errors()[-2000:]}")
            channel = grpc.insecure_channel(f"127.0.0.1:{port}")
            self.stub = provider_pb2_grpc.ResourceProviderStub(channel)
            yield self
        finally:
            self.process.terminate()
            self.process.communicate(timeout=10)
            self.server.stop(grace=None)
            self.stderr.close()

    def provider_errors(self) -> str:
        """What the provider wrote to stderr so far (the engine shows a plugin's stderr to the user)."""
        self.stderr.flush()
        self.stderr.seek(0)
        return self.stderr.read()

    def schema(self) -> str:
        assert self.stub is not None
        return str(self.stub.GetSchema(provider_pb2.GetSchemaRequest(version=0)).schema)

    def construct(self, component: str, name: str, inputs: Mapping[str, Any], *, preview: bool = True) -> Constructed:
        """Construct `sfn-patterns:index:<component>` as the engine does for another language's program: the inputs
        are a protobuf Struct (every number a double). Raises ConstructRefused with the engine's property errors."""
        assert self.stub is not None
        struct = struct_pb2.Struct()
        struct.update(dict(inputs))
        request = provider_pb2.ConstructRequest(
            project=PROJECT, stack=STACK, dryRun=preview, parallel=4, monitorEndpoint=self.address,
            type=f"sfn-patterns:index:{component}", name=name, parent=STACK_URN, inputs=struct,
            organization="organization",
        )  # fmt: skip
        try:
            response = self.stub.Construct(request, timeout=120)
        except grpc.RpcError as error:
            raise ConstructRefused(refusal(error)) from None
        outputs = rpc.deserialize_properties(response.state, keep_unknowns=True)
        return Constructed(response.urn, outputs, self.monitor.under(response.urn))


def refusal(error: grpc.RpcError) -> PropertyError:
    """The engine's reading of a failed Construct: the status details and any InputPropertiesError it carries."""
    refused = PropertyError(code=error.code(), message=error.details() or "")
    for key, value in error.trailing_metadata() or ():
        if key != "grpc-status-details-bin":
            continue
        status = status_pb2.Status.FromString(value)
        for detail in status.details:
            properties = errors_pb2.InputPropertiesError()
            if detail.Unpack(properties):
                refused.properties.update({item.property_path: item.reason for item in properties.errors})
    return refused
