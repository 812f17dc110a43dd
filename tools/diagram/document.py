"""Each workflow's diagram as Markdown, drawn from the registry's definition builders (`python -m tools.docs
--write` puts them in docs/generated/diagram-<workflow>.md, which each workflow's page includes)."""

from __future__ import annotations

from tools.diagram import graph, mermaid
from tools.diagram.registry import DiagramWorkflow


def diagram(workflow: DiagramWorkflow) -> str:
    """What the workflow does, where its builder is, how many states it has, and its Mermaid diagram."""
    definition = workflow.definition()
    count = sum(1 for _ in graph.walk(definition))
    return (
        f"{workflow.title}.\n\n"
        f"Built by `{workflow.builder.__name__}` in `{workflow.source}`; {count} states.\n\n"
        f"```mermaid\n{mermaid.render(definition)}```\n"
    )
