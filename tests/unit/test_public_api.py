"""The package's public API: `sfn_patterns.__all__` names every component with its args, and what a team builds with."""

from __future__ import annotations

import inspect

import sfn_patterns
from sfn_patterns.catalog import COMPONENTS


def test_every_name_the_api_lists_is_there():
    missing = [name for name in sfn_patterns.__all__ if not hasattr(sfn_patterns, name)]
    assert not missing


def test_every_hosted_component_and_its_args_are_exported_from_the_package_itself():
    assert {component.__name__ for component in COMPONENTS} == {
        "ImageDownloader", "JobPoller", "LambdaIterator", "MapFanOut", "RecordTransfer", "TaskTracker",
    }  # fmt: skip
    for component in COMPONENTS:
        args_type = inspect.get_annotations(component.__init__)["args"]
        assert getattr(sfn_patterns, component.__name__) is component
        assert getattr(sfn_patterns, args_type.__name__) is args_type
        assert {component.__name__, args_type.__name__} <= set(sfn_patterns.__all__)


def test_handler_spec_workflow_options_and_the_policy_helpers_are_public():
    assert {"HandlerSpec", "WorkflowOptions", "allow", "invoke_functions", "policies"} <= set(sfn_patterns.__all__)
    statement = sfn_patterns.allow("ReadList", ["dynamodb:GetItem"], ["arn:aws:dynamodb:us-east-1:1:table/t"])
    assert statement["Action"] == ["dynamodb:GetItem"]
