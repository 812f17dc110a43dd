"""The registry of every change the sandbox makes to moto, grouped per moto service as moto groups its own code.

Each service module declares its `ENTRIES` (`tools.sandbox.patching.Entry`): the target, why it exists, the tests
that prove it, moto's issue where it is a moto bug, and whether it uses one of moto's extension points or patches
moto's code (and why no extension point could do it). `apply` is the only way the embedded AWS changes moto: it
installs each entry through a `ScopedPatch` that refuses any point the entry does not declare, and the `Patcher` it
returns undoes them. `render_markdown` is the page `docs/sandbox-patches.md`, which `python -m tools.docs --write`
writes and `--check` checks.
"""

from __future__ import annotations

from ..patching import EXTENSION_POINT, KINDS, Entry, Hooks, Patcher, ScopedPatch
from . import awslambda, core, dynamodb, iam, s3, sns, sqs, stepfunctions, stepfunctions_parser

#: The services, in the order their entries are applied (moto's core first: it defers imports the others make), with
#: the moto package each one's entries change.
SERVICES = (
    ("core", "moto.core, moto.backends, moto.settings, moto.moto_server", core.ENTRIES),
    ("iam", "moto.iam", iam.ENTRIES),
    ("s3", "moto.s3", s3.ENTRIES),
    ("dynamodb", "moto.dynamodb", dynamodb.ENTRIES),
    ("awslambda", "moto.awslambda, moto.awslambda_simple", awslambda.ENTRIES),
    ("sns", "moto.sns", sns.ENTRIES),
    ("sqs", "moto.sqs", sqs.ENTRIES),
    ("stepfunctions", "moto.stepfunctions", stepfunctions.ENTRIES),
    ("stepfunctions.parser", "moto.stepfunctions.parser", stepfunctions_parser.ENTRIES),
)
#: Every entry, in the order `apply` installs them.
REGISTRY: tuple[Entry, ...] = tuple(entry for _, _, entries in SERVICES for entry in entries)


def apply(hooks: Hooks, patcher: Patcher | None = None) -> Patcher:
    """Install every registry entry, in order; the returned patcher's `undo()` takes them all back."""
    patcher = Patcher() if patcher is None else patcher
    for entry in REGISTRY:
        if entry.install is not None:
            entry.install(ScopedPatch(patcher, entry), hooks)
    return patcher


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _tests(entry: Entry) -> str:
    return "<br>".join(f"`{test}`" for test in entry.proven_by)


def render_markdown() -> str:
    """The page `docs/sandbox-patches.md`: a table per service of every registry entry."""
    counts = {kind: sum(entry.kind == kind for entry in REGISTRY) for kind in KINDS}
    lines = [
        "# The sandbox's changes to moto",
        "",
        "The embedded AWS is moto (pinned in `requirements-dev.txt`) with the changes below, each made where AWS "
        "and moto differ. Where moto offers an extension point (a config switch, a setting, a backend subclass it "
        "chooses by configuration, a class the sandbox builds itself) the sandbox uses it; everything else is a "
        "patch of moto's private API, which says why no extension point could do it. Every change is applied and "
        "undone by the registry in `tools/sandbox/patches/` (one module per moto service): a change it does not "
        "declare cannot be applied. Each names the tests that prove it: its behaviour, and that moto still has the "
        "point it changes (`tests/sandbox/test_moto_patch_points.py` fails loudly when a moto upgrade moves one).",
        "",
        f"{len(REGISTRY)} entries: {counts[EXTENSION_POINT]} use an extension point, "
        f"{len(REGISTRY) - counts[EXTENSION_POINT]} patch moto.",
    ]
    for service, packages, entries in SERVICES:
        lines += [
            "",
            f"## {service}",
            "",
            f"{len(entries)} {'entry' if len(entries) == 1 else 'entries'}, in "
            f"{', '.join(f'`{package}`' for package in packages.split(', '))}.",
            "",
            "| Target | Why | Kind | Proving tests | Upstream issue |",
            "| --- | --- | --- | --- | --- |",
        ]
        for entry in entries:
            kind = f"**{entry.kind}**: {entry.how}"
            row = (entry.target, entry.why, kind)
            lines.append(
                "| " + " | ".join(_cell(cell) for cell in row) + f" | {_tests(entry)} | {_cell(entry.upstream)} |"
            )
    return "\n".join(lines) + "\n"
