"""tools/diagram: every state machine drawn whole, Choice conditions on its edges, and each workflow page's diagram
current."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.support.docs_copy import docs_copy
from tools.diagram import graph, mermaid
from tools.diagram.__main__ import main as diagram_main
from tools.diagram.document import diagram
from tools.diagram.registry import TEAM_WORKFLOWS, WORKFLOWS, DiagramWorkflow, placeholder, unregistered_builders
from tools.docs.__main__ import main as docs_main
from tools.program import PROJECT_ROOT, PreviewMocks, ProgramRun, run_program

STATE_MACHINE = "aws:sfn/stateMachine:StateMachine"
#: The lines the renderer writes, as Mermaid's state diagram grammar reads them: an id is word characters, and
#: a label (after ': ') holds no ':' or ';', where Mermaid would end it.
DECLARED = re.compile(r'^state "(?P<name>[^"]+)" as (?P<id>\w+)(?P<composite> \{)?$')
COMPOSITE = re.compile(r"^state (?P<id>\w+) \{$")
EDGE = re.compile(r"^(?P<source>\[\*\]|\w+) --> (?P<target>\[\*\]|\w+)(?:: (?P<label>[^:;]+))?$")
STYLE = re.compile(r"^(classDef \w+ [^;]+|class [\w,]+ \w+)$")
OTHER = {"stateDiagram-v2", "}", "--"}


def by_name(workflow: str) -> DiagramWorkflow:
    return next(w for w in WORKFLOWS if w.name == workflow)


def node_names(diagram: str) -> dict[str, str]:
    """Each node's id -> the name it shows (its declared name, or its id)."""
    names: dict[str, str] = {}
    for line in (line.strip() for line in diagram.splitlines()):
        if declared := DECLARED.match(line):
            names[declared["id"]] = declared["name"]
        elif composite := COMPOSITE.match(line):
            names.setdefault(composite["id"], composite["id"])
        elif edge := EDGE.match(line):
            for node in (edge["source"], edge["target"]):
                if node != graph.END:
                    names.setdefault(node, node)
    return names


def edges_from(diagram: str, state_name: str) -> list[tuple[str, str]]:
    """(target name, label) of every edge out of the node showing `state_name`."""
    names = node_names(diagram)
    ids = {node for node, name in names.items() if name == state_name}
    found = []
    for line in (line.strip() for line in diagram.splitlines()):
        if (edge := EDGE.match(line)) and edge["source"] in ids:
            found.append((names.get(edge["target"], graph.END), edge["label"] or ""))
    return found


def missing_states(definition: dict[str, Any], diagram: str) -> set[str]:
    return {name for _, name, _ in graph.walk(definition)} - set(node_names(diagram).values())


@pytest.fixture(scope="module")
def program() -> ProgramRun:
    """The program as `pulumi preview` of the dev stack registers it."""
    return run_program(PreviewMocks())


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda w: w.name)
def test_every_state_of_every_workflow_appears_in_its_diagram(workflow: DiagramWorkflow):
    definition = workflow.definition()
    assert missing_states(definition, mermaid.render(definition)) == set()


def test_a_diagram_without_one_of_the_states_is_caught():
    definition = by_name("map-fan-out").definition()
    diagram = "\n".join(line for line in mermaid.render(definition).splitlines() if "ListNotFound" not in line)
    assert missing_states(definition, diagram) == {"ListNotFound"}


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda w: w.name)
def test_every_choice_edge_carries_its_condition_and_the_default_says_default(workflow: DiagramWorkflow):
    definition = workflow.definition()
    diagram = mermaid.render(definition)
    for _, name, state in graph.walk(definition):
        if state["Type"] != "Choice":
            continue
        expected = [(rule["Next"], mermaid.label(graph.condition(rule))) for rule in state["Choices"]]
        expected += [(state["Default"], "default")] if "Default" in state else []
        assert edges_from(diagram, name) == expected
        assert all(text for _, text in expected), f"{name} has an edge without a condition"


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda w: w.name)
def test_every_diagram_line_is_one_mermaid_reads_whole(workflow: DiagramWorkflow):
    for line in (line.strip() for line in mermaid.render(workflow.definition()).splitlines()):
        matched = line in OTHER or any(form.match(line) for form in (DECLARED, COMPOSITE, EDGE, STYLE))
        assert matched, f"{workflow.name}: {line!r}"


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda w: w.name)
def test_an_unstyled_diagram_is_the_styled_one_without_its_colours_by_state_type(workflow: DiagramWorkflow):
    """What the console draws an execution on: its colours say what happened, not what type each state is."""
    styled, styled_ids = mermaid.render_with_ids(workflow.definition())
    plain, plain_ids = mermaid.render_with_ids(workflow.definition(), styled=False)

    assert plain_ids == styled_ids
    assert any(STYLE.match(line.strip()) for line in styled.splitlines())
    assert plain.splitlines() == [line for line in styled.splitlines() if not STYLE.match(line.strip())]


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        ({"Variable": "$.counter", "NumericEquals": 0}, "$.counter == 0"),
        ({"Variable": "$.counter", "NumericGreaterThan": 0}, "$.counter > 0"),
        ({"Variable": "$.Item.items.L", "IsPresent": True}, "IsPresent $.Item.items.L"),
        ({"Variable": "$.check.status", "IsPresent": False}, "not IsPresent $.check.status"),
        ({"Variable": "$.List[0]", "StringEquals": "DONE"}, '$.List[0] == "DONE"'),
        ({"Variable": "$.allSucceeded", "BooleanEquals": True}, "$.allSucceeded == true"),
        ({"Variable": "$.polls", "NumericGreaterThanEqualsPath": "$.maxPolls"}, "$.polls >= $.maxPolls"),
        ({"Variable": "$.at", "TimestampLessThan": "2024-01-01T00:00:00Z"}, '$.at < "2024-01-01T00:00:00Z"'),
        ({"Variable": "$.key", "StringMatches": "log-*.txt"}, '$.key matches "log-*.txt"'),
        ({"Not": {"Variable": "$.x", "IsNull": True}}, "not IsNull $.x"),
        (
            {
                "And": [
                    {"Or": [{"Variable": "$.s", "StringEquals": "A"}, {"Variable": "$.s", "StringEquals": "B"}]},
                    {"Variable": "$.n", "NumericLessThanEquals": 3},
                ]
            },
            '($.s == "A" or $.s == "B") and $.n <= 3',
        ),
        ({"Condition": "{% $states.input.count > 1 %}"}, "{% $states.input.count > 1 %}"),
    ],
)
def test_a_choice_rule_is_written_as_a_condition(rule: dict[str, Any], text: str):
    assert graph.condition({**rule, "Next": "Somewhere"}) == text


def test_a_map_is_a_composite_state_whose_first_edge_says_items_mode_and_max_concurrency():
    diagram = mermaid.render(by_name("map-fan-out").definition())
    assert "    state ProcessItems {\n        [*] --> Wait: each item of $.items, INLINE, MaxConcurrency 1\n" in diagram
    assert "        Wait --> LogItem: after 2 s\n" in diagram
    unlimited = mermaid.render(by_name("parallel-lambda").definition())
    assert "[*] --> LogItem: each item of $.list, INLINE, MaxConcurrency 0 (unlimited)" in unlimited


def test_a_distributed_map_says_where_its_items_come_from_and_its_mode():
    diagram = mermaid.render(by_name("image-downloader").definition())
    assert "each item read by s3 getObject, DISTRIBUTED (STANDARD child executions), MaxConcurrency 10" in diagram


def test_two_maps_holding_a_state_of_the_same_name_draw_two_states():
    def map_of(next_state: dict[str, Any]) -> dict[str, Any]:
        processor = {"StartAt": "Download", "States": {"Download": {"Type": "Pass", "End": True}}}
        return {"Type": "Map", "ItemProcessor": processor, **next_state}

    definition = {"StartAt": "Inline", "States": {"Inline": map_of({"Next": "Again"}), "Again": map_of({"End": True})}}
    diagram = mermaid.render(definition)
    downloads = [node for node, name in node_names(diagram).items() if name == "Download"]
    assert len(downloads) == 2, "Mermaid ids are global: one id would draw one state in the last Map"


def test_catch_edges_name_their_errors_and_fail_states_end_with_theirs():
    diagram = mermaid.render(by_name("task-tracker").definition())
    caught = edges_from(diagram, "RecordStarted")
    assert ("RunAlreadyRecorded", "catch DynamoDB.ConditionalCheckFailedException") in caught
    assert ("RecordFailed", "catch States.ALL") in caught
    assert edges_from(diagram, "RunAlreadyRecorded") == [(graph.END, "error RunAlreadyRecorded")]
    assert edges_from(diagram, "TaskFailed") == [(graph.END, "error TaskFailed")]
    assert edges_from(diagram, "Finish") == [(graph.END, "")]
    by_path = {"StartAt": "Fail", "States": {"Fail": {"Type": "Fail", "ErrorPath": "$.error.Error"}}}
    assert edges_from(mermaid.render(by_path), "Fail") == [(graph.END, "error from $.error.Error")]


def test_names_mermaid_cannot_use_as_ids_get_safe_ids_and_keep_their_names():
    definition = {
        "StartAt": "Load items",
        "States": {
            "Load items": {"Type": "Pass", "Next": "Items-present?"},
            "Items-present?": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.note", "StringEquals": "a: b; c", "Next": "end"}],
                "Default": "Process Items",
            },
            "Process Items": {
                "Type": "Map",
                "ItemProcessor": {"StartAt": "end", "States": {"end": {"Type": "Succeed"}}},
                "End": True,
            },
            "end": {"Type": "Succeed"},
        },
    }
    diagram = mermaid.render(definition)
    assert missing_states(definition, diagram) == set()
    assert 'state "Items-present?" as Items_present_' in diagram
    ids = [node for node, name in node_names(diagram).items() if name == "end"]
    assert len(ids) == 2 and all(node.lower() != "end" for node in ids)
    for line in (line.strip() for line in diagram.splitlines()):
        assert line in OTHER or any(form.match(line) for form in (DECLARED, COMPOSITE, EDGE, STYLE)), line


def test_placeholders_look_like_what_they_stand_for():
    assert placeholder("submit_fn_arn") == "arn:aws:lambda:us-east-1:123456789012:function:submit"
    assert placeholder("topic_arn") == "arn:aws:sns:us-east-1:123456789012:topic"
    assert placeholder("table_name") == "table"


def test_every_definition_builder_in_components_has_a_diagram():
    assert unregistered_builders() == []


def test_the_registry_has_one_workflow_per_state_machine_the_program_creates(program: ProgramRun):
    deployed = sorted(resource.name for resource in program.of_type(STATE_MACHINE))
    assert sorted(workflow.state_machine for workflow in WORKFLOWS) == deployed


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda w: w.name)
def test_each_diagram_draws_the_states_and_transitions_the_program_deploys(
    workflow: DiagramWorkflow, program: ProgramRun
):
    [deployed] = [r for r in program.of_type(STATE_MACHINE) if r.name == workflow.state_machine]
    assert graph.outline(workflow.definition()) == graph.outline(json.loads(deployed.inputs["definition"]))


def test_each_workflow_page_shows_the_diagram_its_builders_draw_now():
    for workflow in (*WORKFLOWS, *TEAM_WORKFLOWS):
        generated = PROJECT_ROOT / "docs" / "generated" / f"diagram-{workflow.name}.md"
        assert diagram(workflow) in generated.read_text(), "run .venv/bin/python -m tools.docs --write"
    for workflow in WORKFLOWS:
        page = PROJECT_ROOT / "docs" / f"{workflow.name}.md"
        page = page if page.exists() else PROJECT_ROOT / "docs" / "map-fan-out.md"  # parallel-lambda shares it
        assert f"<!-- include docs/generated/diagram-{workflow.name}.md -->" in page.read_text()


def test_check_fails_for_an_out_of_date_diagram_and_passes_once_written(tmp_path: Path):
    root = docs_copy(tmp_path)
    generated = root / "docs" / "generated" / "diagram-lambda-iterator.md"
    current = generated.read_text()
    generated.write_text(current.replace("$.counter == 0", "$.counter == 1"))
    assert generated.read_text() != current
    assert docs_main(["--check", "--root", str(root)]) == 1
    assert docs_main(["--write", "--root", str(root)]) == 0
    assert generated.read_text() == current and docs_main(["--check", "--root", str(root)]) == 0


def test_each_diagram_names_its_builder_and_its_source_file():
    for workflow in WORKFLOWS:
        text = diagram(workflow)
        assert f"Built by `{workflow.builder.__name__}` in `{workflow.source}`" in text
        assert (PROJECT_ROOT / workflow.source).exists()


def test_the_command_prints_the_named_workflows_diagram(capsys: pytest.CaptureFixture[str]):
    [iterator] = [workflow for workflow in WORKFLOWS if workflow.name == "lambda-iterator"]
    assert diagram_main(["lambda-iterator"]) == 0
    assert capsys.readouterr().out == f"%% lambda-iterator\n{mermaid.render(iterator.definition())}"
    with pytest.raises(SystemExit):
        diagram_main(["no-such-workflow"])
