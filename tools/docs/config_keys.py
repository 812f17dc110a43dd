"""The stack config keys table (docs/generated/config-keys.md): every key rendered from the setting that declares
it (components/<workflow>/args.py, WorkflowOptions) and the sections components/config.py reads."""

from __future__ import annotations

from pulumi.provider.experimental.analyzer import Analyzer

from components.catalog import PACKAGE_NAME
from components.config import CONFIG_KEYS, SECTIONS, STACK_WORKFLOWS, WORKFLOW_NAMES
from components.setting import Declared, args_type_of, field_names, settings_of
from components.settings import HistoryBudget

#: The one key no setting declares: it picks the workflows rather than setting one.
WORKFLOWS_ROW = (
    "| `workflows` | `all` | `all`, or a comma-separated list of {names} | every | The workflows this stack deploys: "
    "only their resources and outputs exist (the alarm topic always does). | - |"
)
#: How a value of a kind the bounds do not describe is written.
KIND_VALUES = {"email": "an e-mail address", "hosts": "host names (or host:port), comma-separated"}


def _values(declared: Declared) -> str:
    setting = declared.setting
    if declared.type is bool:
        return "true, false"
    return setting.range_text() or KIND_VALUES.get(setting.kind, "any")


def _what(args_type: type, declared: Declared) -> str:
    text = " ".join((Analyzer(PACKAGE_NAME).get_docstring(args_type, declared.name) or "").split())
    budget = getattr(declared.setting.above, "__self__", None)
    if isinstance(budget, HistoryBudget):  # a loop's bound: why it is that high
        text = f"{text.rstrip('.')}: {budget.note()}."
    return text.replace("|", "/")


def _workflows(section: str, declared: Declared) -> str:
    if section == "common":
        return "every"
    return ", ".join(w.name for w in STACK_WORKFLOWS if w.section == section and w.reads(declared))


def markdown() -> str:
    """Every config key, in CONFIG_KEYS order: its default, values, workflows, what it does and its former names."""
    rows = {"workflows": WORKFLOWS_ROW.format(names=", ".join(WORKFLOW_NAMES))}
    for section, settings_type in SECTIONS.items():
        args_type = args_type_of(settings_type)
        declared_settings = settings_of(args_type)
        for name in field_names(settings_type):
            declared = declared_settings[name]
            renamed = ", ".join(f"`{old}`" for old in declared.old_keys) or "-"
            rows[declared.key] = (
                f"| `{declared.key}` | {declared.setting.described()} | {_values(declared)} | "
                f"{_workflows(section, declared)} | {_what(args_type, declared)} | {renamed} |"
            )
    assert list(rows) == list(CONFIG_KEYS), "a config key with no row, or a row of no config key"
    header = "| key | default | values | workflows | what it does | renamed from |"
    return "\n".join([header, "| --- | --- | --- | --- | --- | --- |", *rows.values()])
