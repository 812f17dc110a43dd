"""The components this package hosts for other Pulumi languages, the schema Pulumi infers from their types, and the
provider that constructs them for a TypeScript, Go or YAML program.

Internal: what provider/__main__.py serves and tools/schema.py writes; not part of the public API.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import inspect
import json
import logging
import re
import sys
from pathlib import Path
from typing import Any

import grpc
import pulumi
from pulumi.provider.experimental.analyzer import Analyzer
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.experimental.util import camel_case
from pulumi.provider.server import ComponentInitError, ProviderServicer
from pulumi.runtime import rpc
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime.proto import provider_pb2_grpc

from . import __version__
from .parts import ArgProblem, HandlerSpec, WorkflowOptions, debugging
from .setting import settings_of
from .workflow_component import PACKAGE_NAME, WorkflowComponent

VERSION = __version__
#: Every workflow component (each registers itself by subclassing WorkflowComponent), by name.
COMPONENTS: list[type[pulumi.ComponentResource]] = sorted(WorkflowComponent.__subclasses__(), key=lambda c: c.__name__)
HANDLER_SPEC = f"#/types/{PACKAGE_NAME}:index:HandlerSpec"
#: The HandlerSpec fields that name files on the program's disk.
PATH_FIELDS = ("code", "requirements")


def schema(*, described: bool = True) -> dict[str, Any]:
    """The package schema, inferred in-process exactly as the component provider infers it when Pulumi loads it;
    `described`: with each declared setting's values and default ending its description, as the provider serves it."""
    document: dict[str, Any] = json.loads(ComponentProvider(COMPONENTS, PACKAGE_NAME, version=VERSION).schema or "{}")
    return with_declarations(document) if described else document


def with_declarations(document: dict[str, Any]) -> dict[str, Any]:
    """The schema with each declared setting's values and default (components/setting.py) ending its description:
    a docstring says what an arg does, its declaration what it takes, once. The args every component shares get
    WorkflowOptions' docstrings, which Pulumi's analyzer reads from the component's own args class alone."""
    shared = Analyzer(PACKAGE_NAME)
    spec = document["types"][f"{PACKAGE_NAME}:index:HandlerSpec"]["properties"]
    for name, each in settings_of(HandlerSpec).items():
        field = spec[camel_case(name)]
        field["description"] = f"{field.get('description', '')} {each.setting.summary()}".strip()
    for component in COMPONENTS:
        args_type = inspect.get_annotations(component.__init__)["args"]
        declared = {camel_case(name): each.setting for name, each in settings_of(args_type).items()}
        mapping = {camel_case(name): name for name in WorkflowOptions.__annotations__}
        properties = document["resources"][f"{PACKAGE_NAME}:index:{component.__name__}"]["inputProperties"]
        for key, prop in properties.items():
            if not prop.get("description") and (shared_name := mapping.get(key)):
                prop["description"] = shared.get_docstring(WorkflowOptions, shared_name) or ""
            if key in declared and declared[key].summary():
                prop["description"] = f"{prop.get('description', '')} {declared[key].summary()}".strip()
    return document


class CatalogProvider(ComponentProvider):
    """Pulumi's component provider for the catalog, with what another language's program needs on top of it:
    - whole numbers arrive as doubles (a protobuf Struct has no integers): `3.0` becomes the integer 3;
    - a relative HandlerSpec `code` or `requirements` path is the calling program's: the engine starts a plugin in
      that program's folder (its working directory); started in its own folder, the provider refuses such a path;
    - an arg error is a bad input property (`pulumi.InputPropertiesError`), named as the schema spells it
      (`maxConcurrency`), in one line: the engine shows it against that property, without a traceback.
    """

    def __init__(self, program_folder: Path, own_folders: tuple[Path, ...] = ()) -> None:
        super().__init__(COMPONENTS, PACKAGE_NAME, version=VERSION)
        self.schema = json.dumps(with_declarations(json.loads(self.schema or "{}")))
        self.program_folder = program_folder.resolve()
        #: Where the provider lives (its plugin root and entry folder): never a calling program's folder.
        self.own_folders = {folder.resolve() for folder in own_folders}
        self.document: dict[str, Any] = json.loads(self.schema or "{}")
        # Every arg's Python name (snake_case) as a word of an error's text, to be spelled as the schema spells it
        properties = [*self._type(HANDLER_SPEC).get("properties", {})]
        for resource in self.document["resources"].values():
            properties.extend(resource.get("inputProperties", {}))
        names = sorted({re.sub("([A-Z])", r"_\1", key).lower() for key in properties} - set(properties), key=len)
        self._python_names = re.compile(r"(?<![\w/.-])(" + "|".join(reversed(names)) + r")(?![\w/-])")

    def construct(
        self, name: str, resource_type: str, inputs: pulumi.Inputs, options: pulumi.ResourceOptions | None = None
    ) -> Any:
        resource = self.document["resources"].get(resource_type)
        if resource is None:
            return super().construct(name, resource_type, inputs, options)
        component = resource_type.rsplit(":", 1)[-1]
        properties = resource.get("inputProperties", {})
        sent = {
            key: self._as_sent(component, name, key, value, properties.get(key, {})) for key, value in inputs.items()
        }
        try:
            return super().construct(name, resource_type, sent, options)
        except ComponentInitError as error:
            if isinstance(error.inner, ArgProblem):
                raise self.property_error(error.inner, properties) from None
            raise

    def property_error(self, error: ArgProblem, properties: dict[str, Any]) -> pulumi.InputPropertiesError:
        """`error` as the engine's bad-property error, its arg and the Python names in its text in schema spelling."""
        path = self.schema_path(error.field, properties)
        problem = self._python_names.sub(lambda match: camel_case(match.group(0)), error.problem)
        line = f"{error.component} {error.name!r}: {path}: {problem}"
        if debugging():
            line = str(error).replace(f"{error.field}: {error.problem}", f"{path}: {problem}")
        if error.field == "name":  # the component's name: not an input property (and Pulumi's server needs a list)
            return pulumi.InputPropertiesError(line, [])
        return pulumi.InputPropertiesError(line, [{"property_path": path, "reason": problem}])

    def schema_path(self, field: str, properties: dict[str, Any]) -> str:
        """`item_handler.memory_mb` -> `itemHandler.memoryMb`; a map's own keys (`environment.MY_VAR`) stay."""
        spelled = []
        parts = field.split(".")
        for index, part in enumerate(parts):
            key = camel_case(part)
            if key not in properties:
                spelled.extend(parts[index:])
                break
            spelled.append(key)
            ref = properties[key].get("$ref", "")
            properties = self._type(ref).get("properties", {}) if ref.startswith("#/types/") else {}
        return ".".join(spelled)

    def _type(self, ref: str) -> dict[str, Any]:
        found: dict[str, Any] = self.document.get("types", {}).get(ref.removeprefix("#/types/"), {})
        return found

    def _as_sent(self, component: str, name: str, path: str, value: Any, spec: dict[str, Any]) -> Any:
        """`value` as the component reads it: whole doubles as integers, a HandlerSpec's relative paths resolved."""
        if value is None:
            return value
        if spec.get("plain") and (isinstance(value, pulumi.Output) or value == rpc.UNKNOWN):
            raise self._refused(component, name, path, "is another resource's output, and this arg is read when the "
                                "component is built: give it a value of its own")  # fmt: skip
        ref = spec.get("$ref", "")
        if ref.startswith("#/types/"):
            if not isinstance(value, dict):
                raise self._refused(component, name, path, f"expected an object with code and handler, got {value!r}")
            properties = self._type(ref).get("properties", {})
            sent = {
                key: self._as_sent(component, name, f"{path}.{key}", item, properties.get(key, {}))
                for key, item in value.items()
            }
            return self._resolved_paths(component, name, path, sent) if ref == HANDLER_SPEC else sent
        kind = spec.get("type")
        if kind == "integer":
            if isinstance(value, float) and value.is_integer():
                return int(value)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                # Pulumi's own mapping would call int() on it: a crash for a list, a silent 1 for true
                raise self._refused(component, name, path, f"expected a whole number, got {_shown(value)}")
            return value  # 3.5: the component refuses it, naming the arg's range
        if kind == "array" and isinstance(value, list):
            return [
                self._as_sent(component, name, f"{path}[{i}]", item, spec.get("items", {}))
                for i, item in enumerate(value)
            ]
        if kind == "object" and isinstance(value, dict) and isinstance(spec.get("additionalProperties"), dict):
            items = spec["additionalProperties"]
            return {key: self._as_sent(component, name, f"{path}.{key}", item, items) for key, item in value.items()}
        return value

    def _resolved_paths(self, component: str, name: str, path: str, spec: dict[str, Any]) -> dict[str, Any]:
        resolved = dict(spec)
        for key in PATH_FIELDS:
            value = spec.get(key)
            if not isinstance(value, str) or not value or Path(value).expanduser().is_absolute():
                continue
            if self.program_folder in self.own_folders:
                raise self._refused(
                    component, name, f"{path}.{key}",
                    f"{value!r} is relative, and the provider was started in its own folder ({self.program_folder}),"
                    " not in your program's as `pulumi up` starts it; give an absolute path",
                )  # fmt: skip
            resolved[key] = str(self.program_folder / value)
        return resolved

    @staticmethod
    def _refused(component: str, name: str, path: str, problem: str) -> pulumi.InputPropertiesError:
        line = f"{component} {name!r}: {path}: {problem}"
        return pulumi.InputPropertiesError(line, [{"property_path": path, "reason": problem}])


def _shown(value: Any) -> str:
    """A value as the program's author wrote it: JSON, whatever their language (`true`, `"3"`)."""
    try:
        return json.dumps(value)
    except TypeError:
        return repr(value)


class CatalogServicer(ProviderServicer):
    """Pulumi's provider server, with one addition: an arg error found only once a value resolves (an environment
    value or function ARN that is another resource's output) is a bad input property too, not a crash."""

    provider: CatalogProvider

    async def Construct(self, request: Any, context: Any) -> Any:  # noqa: N802 - the gRPC method name
        try:
            return await super().Construct(request, context)
        except ArgProblem as error:  # a RunError: Pulumi's server passes it on as it is
            resource = self.provider.document["resources"].get(request.type, {})
            refused = self.provider.property_error(error, resource.get("inputProperties", {}))
            await context.abort_with_status(self.create_grpc_invalid_properties_status(refused.message, refused.errors))
            raise


def serve(provider: CatalogProvider, args: list[str]) -> None:
    """Serve `provider` as the engine expects of a plugin: `<entry> <engine address>`, its port on stdout's first
    line (as `pulumi.provider.main` does, with CatalogServicer)."""
    parser = argparse.ArgumentParser(description="the sfn-patterns component provider (a Pulumi plugin)")
    parser.add_argument("engine", help="the Pulumi engine's address")
    known, _ = parser.parse_known_args(args)
    # As Pulumi's own Python runner does: after a refused Construct, asyncio would log the futures nobody read.
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)

    async def run() -> None:
        server = grpc.aio.server(options=_GRPC_CHANNEL_OPTIONS)
        servicer = CatalogServicer(provider, args, engine_address=known.engine)
        provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, server)
        port = server.add_insecure_port(address="127.0.0.1:0")
        await server.start()
        sys.stdout.write(f"{port}\n")
        sys.stdout.flush()
        await server.wait_for_termination()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())
