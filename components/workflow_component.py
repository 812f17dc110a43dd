"""WorkflowComponent: the constructor steps every workflow component shares, from its args' checks to its outputs.

Internal: a building block of the components, not part of the public API.
"""

import inspect
from typing import Any, ClassVar

import pulumi

from . import policies
from .parts import Checker, alarm_topic_arn, component_options, register_name_rules
from .settings import CommonSettings
from .workflow import Workflow, WorkflowArgs

#: The package name in every type token (`sfn-patterns:index:MapFanOut`).
PACKAGE_NAME = "sfn-patterns"


class WorkflowComponent(pulumi.ComponentResource):
    """A workflow as a Pulumi component, type token `sfn-patterns:index:<class name>`. Its `__init__` reads:

    `check = self._checker(name, args)` (args checked against the `args` annotation of its `__init__`, the shared
    ones with their defaults in `check.common()`), its own checks, before any resource exists; `self._open(name,
    check, opts)`; its parts; `self._state_machine(...)` (the Workflow: role, logs, tracing, alarms); outputs.
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
        super().__init__(token, name, None, component_options(opts, check.tags()))
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
                alarm_topic_arn=alarm_topic_arn(check, self, name, common),
                **workflow,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.state_machine_arn = self.state_machine.arn
        self.state_machine_name = self.state_machine.name
        return self.state_machine
