"""The ledger of quotas and rules: every row names a test that exists, and the README's table is generated from it."""

from __future__ import annotations

import ast
from pathlib import Path

from rich.console import Console

from tools.sandbox import limits
from tools.sandbox.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _test_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}


def test_every_ledger_row_names_a_test_that_exists():
    for limit in limits.LEDGER:
        if limit.test is None:
            continue
        path, _, name = limit.test.partition("::")
        assert (ROOT / path).is_file(), f"{limit.rule}: no file {path}"
        assert name in _test_functions(ROOT / path), f"{limit.rule}: no test {name} in {path}"


def test_every_enforced_row_is_proven_by_a_test_and_every_other_row_says_why():
    for limit in limits.LEDGER:
        assert limit.note, limit.rule
        if limit.enforced:
            assert limit.test, f"{limit.rule} is enforced but no test proves it"
        else:
            assert limit.note.startswith(limits.VERDICTS), f"{limit.rule}: say why it is not enforced"


def test_the_readme_section_is_the_ledger():
    difference = limits.stale(ROOT / "README.md")
    assert difference == [], "README.md is out of date: run .venv/bin/python -m tools.sandbox limits --write\n" + (
        "\n".join(difference[:40])
    )


def test_check_exits_1_for_an_out_of_date_readme_and_0_once_written(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text((ROOT / "README.md").read_text().replace("| SNS message size |", "| SNS message length |"))
    assert main(["limits", "--check", "--readme", str(readme)]) == 1
    assert main(["limits", "--write", "--readme", str(readme)]) == 0
    assert main(["limits", "--check", "--readme", str(readme)]) == 0
    assert readme.read_text() == (ROOT / "README.md").read_text()


def test_the_limits_command_prints_every_row_with_its_verdict(capsys):
    console = Console(width=400, force_terminal=False)
    with console.capture() as captured:
        console.print(limits.table())
    printed = captured.get()
    for limit in limits.LEDGER:
        assert limit.rule in printed
    assert f"{sum(limit.enforced for limit in limits.LEDGER)} of {len(limits.LEDGER)} enforced" in printed
    assert main(["limits"]) == 0
    assert f"{len(limits.LEDGER)} enforced" in capsys.readouterr().out
