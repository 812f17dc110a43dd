"""A state machine definition drawn as a Mermaid `stateDiagram-v2`, Map and Parallel states as composite states."""

from __future__ import annotations

import re
from typing import Any

from .graph import END, State, edges, nested

HEADER = "stateDiagram-v2"
INDENT = "    "
#: Words Mermaid's state diagram grammar may read as keywords; a state named so gets another id.
RESERVED_IDS = frozenset(
    {"state", "note", "end", "direction", "class", "classdef", "style", "click", "as", "default", "hide"}
)
#: Styles by state type, so a Choice, a Wait or the way out of a Fail stands out from the Tasks.
TYPE_STYLES = {
    "Choice": ("choiceState", "fill:#fff4ce,stroke:#b7950b"),
    "Wait": ("waitState", "fill:#eef1f6,stroke:#7a869a"),
    "Pass": ("passState", "fill:#f4f4f4,stroke:#999999"),
    "Succeed": ("succeedState", "fill:#dff5e1,stroke:#2e8540"),
    "Fail": ("failState", "fill:#fde2e1,stroke:#c0392b"),
}


def label(text: str) -> str:
    """Text Mermaid keeps whole on an edge: its grammar ends a label at ':' or ';', so those become look-alikes."""
    return " ".join(text.split()).replace(":", "\ua789").replace(";", "\uff1b")


def _quoted(name: str) -> str:
    return label(name).replace('"', "'")


def service_call(resource: str) -> str:
    """`arn:aws:states:::s3:getObject` -> `s3 getObject`; any other resource (a Lambda ARN, ...) as it is."""
    prefix = "arn:aws:states:::"
    return resource.removeprefix(prefix).replace(":", " ") if resource.startswith(prefix) else resource


def map_label(state: State) -> str:
    """What a Map iterates over, in which mode, how many at once: the label of its iterator's first edge."""
    processor = state.get("ItemProcessor") or state.get("Iterator") or {}
    config = processor.get("ProcessorConfig", {})
    mode = config.get("Mode", "INLINE")
    if mode == "DISTRIBUTED":
        mode += f" ({config.get('ExecutionType', 'STANDARD')} child executions)"
    if "ItemReader" in state:
        items = f"each item read by {service_call(state['ItemReader']['Resource'])}"
    else:
        items = f"each item of {state.get('Items', state.get('ItemsPath', '$'))}"
    if "MaxConcurrencyPath" in state:
        limit = f"MaxConcurrency from {state['MaxConcurrencyPath']}"
    else:
        at_once = state.get("MaxConcurrency", 0)
        limit = f"MaxConcurrency {at_once}" + (" (unlimited)" if at_once == 0 else "")
    return f"{items}, {mode}, {limit}"


class _Diagram:
    """Lines of one diagram; every state gets a diagram-wide id, since Mermaid ids are global across composites."""

    def __init__(self) -> None:
        self.lines: list[str] = [HEADER]
        self.used: set[str] = set()
        self.by_type: dict[str, list[str]] = {}
        #: Each state's Mermaid id by its path: `ProcessItems/LogItem` in a Map, `Fetch/0/Get` in a Parallel's branch.
        self.ids: dict[str, str] = {}

    def new_id(self, name: str, parent_id: str) -> str:
        base = re.sub(r"[^0-9A-Za-z_]", "_", name) or "state"
        if base.lower() in RESERVED_IDS:
            base += "_"
        # Two Maps may both hold a `Download`: the second one's id names its Map.
        candidates = [base, f"{parent_id}_{base}"] if parent_id else [base]
        candidate, counter = candidates[-1], 1
        while candidate in self.used:
            counter += 1
            candidate = f"{candidates[-1]}_{counter}"
        chosen = next((c for c in candidates if c not in self.used), candidate)
        self.used.add(chosen)
        return chosen

    def machine(
        self, machine: dict[str, Any], parent_id: str = "", depth: int = 1, start_label: str = "", scope: str = ""
    ) -> None:
        pad = INDENT * depth
        states: dict[str, State] = machine["States"]
        ids = {name: self.new_id(name, parent_id) for name in states}
        for name, state in states.items():
            state_id = ids[name]
            self.ids[f"{scope}{name}"] = state_id
            self.by_type.setdefault(state["Type"], []).append(state_id)
            if state["Type"] in ("Map", "Parallel"):
                self.composite(name, state_id, state, depth, scope)
            elif state_id != name:
                self.lines.append(f'{pad}state "{_quoted(name)}" as {state_id}')
        self.edge(pad, END, ids[machine["StartAt"]], start_label)
        for name, state in states.items():
            for edge in edges(state):
                if edge.target != END and edge.target not in ids:
                    raise ValueError(f"state {name} goes to {edge.target}, which is not a state beside it")
                self.edge(pad, ids[name], END if edge.target == END else ids[edge.target], edge.label)

    def composite(self, name: str, state_id: str, state: State, depth: int, scope: str = "") -> None:
        pad = INDENT * depth
        # A described composite (`state "a b" as id {`) renders badly in Mermaid: only names it cannot use get one.
        described = f'"{_quoted(name)}" as {state_id}'
        self.lines.append(f"{pad}state {state_id if state_id == name else described} {{")
        for index, (inner, machine) in enumerate(nested(scope, name, state)):
            if index:
                self.lines.append(f"{pad}{INDENT}--")
            self.machine(machine, state_id, depth + 1, map_label(state) if state["Type"] == "Map" else "", inner)
        self.lines.append(f"{pad}}}")

    def edge(self, pad: str, source: str, target: str, text: str) -> None:
        self.lines.append(f"{pad}{source} --> {target}" + (f": {label(text)}" if text else ""))

    def styles(self) -> list[str]:
        lines = []
        for kind, (class_name, style) in TYPE_STYLES.items():
            if self.by_type.get(kind):
                members = ",".join(self.by_type[kind])
                lines += [f"{INDENT}classDef {class_name} {style}", f"{INDENT}class {members} {class_name}"]
        return lines


def render(definition: dict[str, Any]) -> str:
    """The Mermaid source of a definition, ending in a newline."""
    return render_with_ids(definition)[0]


def render_with_ids(definition: dict[str, Any], styled: bool = True) -> tuple[str, dict[str, str]]:
    """The Mermaid source, and each state's Mermaid id by its path (`Map/Inner`, `Parallel/0/Inner`): what the
    sandbox console colours and selects. `styled=False` leaves out the colours by state type."""
    diagram = _Diagram()
    diagram.machine(definition)
    return "\n".join([*diagram.lines, *(diagram.styles() if styled else [])]) + "\n", diagram.ids
