"""The longest name each component takes deploys, one character more is refused by the component before any
resource exists (and AWS would refuse it: its longest Lambda name passes 64), and the docs state the limits."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sfn_patterns.parts import LONGEST_PART, ArgError, longest_name

from tools.program import PROJECT_ROOT, PreviewMocks, run_program

IMPORTS = "\n".join(
    f"from sfn_patterns.{module} import {component}"
    for component, module in {
        "MapFanOut": "map_fan_out", "LambdaIterator": "lambda_iterator", "JobPoller": "job_poller",
        "RecordTransfer": "record_transfer", "TaskTracker": "task_tracker", "ImageDownloader": "image_downloader",
    }.items()
)  # fmt: skip
#: Pulumi's own limit on a stack name; the longest one is part of every log group's name here.
PULUMI_STACK_NAME_CHARACTERS = 100


def deploy(root: Path, component: str, name: str, stack: str = "dev") -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "__main__.py").write_text(f"{IMPORTS}\n{component}({name!r}, {{}})\n")
    run_program(PreviewMocks(), stack=stack, config={"aws:region": "us-east-1"}, root=root)


@pytest.mark.parametrize("component", list(LONGEST_PART))
def test_the_longest_name_deploys_and_one_more_character_is_refused_by_the_component(tmp_path, component):
    longest = longest_name(component)
    deploy(tmp_path, component, "n" * longest)
    with pytest.raises(ArgError) as refused:
        deploy(tmp_path, component, "n" * (longest + 1))
    message = str(refused.value)
    assert message.startswith(f"{component} '{'n' * (longest + 1)}': name: is {longest + 1} characters; at most")
    assert f"at most {longest}," in message


@pytest.mark.parametrize("component", list(LONGEST_PART))
def test_without_the_components_check_aws_would_refuse_one_more_character(tmp_path, monkeypatch, component):
    """The limit is exact: it is what AWS's names allow, not a guess."""
    import sfn_patterns.parts

    one_more = longest_name(component) + 1
    monkeypatch.setattr(sfn_patterns.parts, "LONGEST_PART", {})
    # Pulumi re-raises the rule's DeployRuleError (a ValueError) wrapped in the resources that waited on it
    with pytest.raises(ValueError, match=r"AWS would refuse it: Lambda function name .*: 1\.\.64 characters, not 65"):
        deploy(tmp_path, component, "n" * one_more)


def test_the_longest_names_deploy_in_a_stack_with_the_longest_name_pulumi_takes(tmp_path):
    for component in LONGEST_PART:
        deploy(tmp_path / component, component, "n" * longest_name(component), stack="s" * PULUMI_STACK_NAME_CHARACTERS)


@pytest.mark.parametrize(
    ("component", "name", "problem"),
    [
        ("ImageDownloader", "Images", "use lowercase letters, digits and -"),
        ("MapFanOut", "orders.v2", "use letters, digits and -"),
        ("TaskTracker", "-tasks", "starting with a letter or digit"),
        ("JobPoller", "", "must be a non-empty string"),
    ],
)
def test_a_name_with_characters_its_resources_cannot_take_is_refused(tmp_path, component, name, problem):
    with pytest.raises(ArgError, match=re.escape(problem)):
        deploy(tmp_path, component, name)


def test_uppercase_names_deploy_where_every_resource_takes_them(tmp_path):
    deploy(tmp_path, "MapFanOut", "Orders")


def test_the_docs_state_each_components_longest_name():
    text = (PROJECT_ROOT / "docs" / "using-components.md").read_text()
    stated = dict(re.findall(r"`(\w+)` (\d+) characters", text.split("**Names.**", 1)[1].split("\n\n", 1)[0]))
    assert {component: int(count) for component, count in stated.items()} == {
        component: longest_name(component) for component in LONGEST_PART
    }
