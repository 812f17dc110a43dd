"""WorkflowComponent: the constructor steps every workflow component shares, from its args' checks to its outputs.

Internal: a building block of the components, not part of the public API.
"""

import inspect
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import pulumi

from . import policies
from .alarm_topic import AlarmTopic
from .checker import Checker
from .lambda_function import PythonFunction, PythonFunctionArgs
from .parts import HandlerSpec, register_name_rules
from .setting import settings_of
from .settings import CommonSettings
from .workflow import Workflow, WorkflowArgs

#: The package name in every type token (`sfn-patterns:index:MapFanOut`).
PACKAGE_NAME = "sfn-patterns"


class WorkflowComponent(pulumi.ComponentResource):
    """A workflow as a Pulumi component, type token `sfn-patterns:index:<class name>`. Its `__init__` reads:

    `check = self._checker(name, args)` (args checked against the `args` annotation of its `__init__`, the shared
    ones with their defaults in `check.common()`), its own checks, before any resource exists; `self._open(name,
    check, opts)`; its parts (`self._lambda_part(...)`: a Lambda built from a handler spec, or one given by ARN);
    `self._state_machine(...)` (the Workflow: role, logs, tracing, alarms); outputs.
    A subclass names its Lambda part with the longest name (`_longest_part`), which bounds its own name.
    """

    # Underscored: Pulumi's analyzer reads a component's public annotations as its outputs.
    _longest_part: ClassVar[str] = ""
    _lowercase_names: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        register_name_rules(cls.__name__, cls._longest_part, lowercase=cls._lowercase_names)

    def _checker(self, name: str, args: Any) -> Checker:
        """The component's args, checked against its args type (the `args` annotation of its `__init__`)."""
        args_type = inspect.get_annotations(type(self).__init__)["args"]
        return Checker(type(self).__name__, name, args, args_type)

    def _open(self, name: str, check: Checker, opts: pulumi.ResourceOptions | None) -> pulumi.ResourceOptions:
        """Register the component (its args all checked by now) and return the options of its children."""
        token = f"{PACKAGE_NAME}:index:{type(self).__name__}"
        super().__init__(token, name, None, _component_options(opts, check.tags()))
        return pulumi.ResourceOptions(parent=self)

    def _state_machine(
        self,
        name: str,
        check: Checker,
        common: CommonSettings,
        definition: pulumi.Input[str],
        statements: pulumi.Input[list[policies.Statement]],
        **workflow: Any,
    ) -> Workflow:
        """The state machine with every secure default, its alarms to the given topic or the component's own."""
        self.state_machine = Workflow(
            name,
            WorkflowArgs(
                definition=definition,
                statements=statements,
                settings=common,
                alarm_topic_arn=_alarm_topic_arn(check, self, name, common),
                **workflow,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.state_machine_arn = self.state_machine.arn
        self.state_machine_name = self.state_machine.name
        return self.state_machine

    def _lambda_part(
        self,
        check: Checker,
        logical_name: str,
        field: str,
        default: HandlerSpec | None,
        common: CommonSettings,
        *,
        environment: Mapping[str, pulumi.Input[str]] | None = None,
        statements: pulumi.Input[list[policies.Statement]] | None = None,
    ) -> tuple[pulumi.Output[str], PythonFunction | None]:
        """A Lambda the component runs: `<field>_handler` built here, `<field>_function_arn` used as it is, or the
        default built here. `environment` and `statements` are what the component's contract gives a function it
        builds (e.g. its table's name and write access). With no `default`, one of the two args is required.
        Returns the ARN to invoke and the function built, if any."""
        spec_field, arn_field = f"{field}_handler", f"{field}_function_arn"
        check.at_most_one(spec_field, arn_field)
        arn = check.function_arn(arn_field)
        if arn is not None:
            return arn, None
        spec = check.handler_spec(spec_field) or default
        if spec is None:
            raise check.error(spec_field, f"give {spec_field} or {arn_field}")
        declared = settings_of(HandlerSpec)
        extra = pulumi.Output.all(
            pulumi.Output.from_input(statements or []), pulumi.Output.from_input(spec.get("statements") or [])
        ).apply(lambda both: [*both[0], *both[1]])
        function = PythonFunction(
            logical_name,
            PythonFunctionArgs(
                package=Path(spec["code"]).expanduser().resolve(),
                handler=spec["handler"],
                settings=common,
                description=spec.get("description", ""),
                environment={**(environment or {}), **dict(spec.get("environment") or {})},
                timeout_seconds=spec.get("timeout_seconds", declared["timeout_seconds"].setting.default),
                memory_mb=spec.get("memory_mb", declared["memory_mb"].setting.default),
                statements=extra,
                requirements=Path(spec["requirements"]).expanduser().resolve() if spec.get("requirements") else None,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return function.arn, function


def _alarm_topic_arn(check: Checker, parent: pulumi.Resource, name: str, common: CommonSettings) -> pulumi.Output[str]:
    """The given alarm topic, or an encrypted one of the component's own."""
    given = check.topic_arn("alarm_topic_arn")
    if given is not None:
        return given
    return AlarmTopic(f"{name}-alarms", common.alarm_email, opts=pulumi.ResourceOptions(parent=parent)).arn


def _component_options(opts: pulumi.ResourceOptions | None, tags: Mapping[str, str]) -> pulumi.ResourceOptions:
    """The component's options, with a transformation that tags every taggable resource beneath it."""
    if not tags:
        return opts or pulumi.ResourceOptions()

    def add_tags(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult | None:
        if not isinstance(args.resource, pulumi.CustomResource) or "tags" not in args.props:
            return None  # components and untaggable resources (policies, routes...) have no tags
        props = dict(args.props)
        own = pulumi.Output.from_input(props.get("tags") or {})
        props["tags"] = own.apply(lambda given: {**tags, **(given or {})})  # a resource's own tags win
        return pulumi.ResourceTransformationResult(props, args.opts)

    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(transformations=[add_tags]))
