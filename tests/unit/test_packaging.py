"""Lambda packaging: deterministic zips, and dependencies installed once per platform with pinned requirements."""

from __future__ import annotations

import os
import subprocess
import zipfile
from pathlib import Path

import pytest

from components import packaging
from components.packaging import LambdaPlatform, PackagingError

X86 = LambdaPlatform(runtime="python3.12", architecture="x86_64")
ARM = LambdaPlatform(runtime="python3.12", architecture="arm64")
PINNED = ["requests==2.32.3"]


@pytest.fixture
def handlers_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A handlers folder with one flat handler folder, `greet` (as a team's), in place of the project's."""
    root = tmp_path / "handlers"
    package = root / "greet"
    package.mkdir(parents=True)
    (package / "greet.py").write_text("def handler(event, context):\n    return {'hello': event}\n")
    (package / "helpers.py").write_text("NAME = 'world'\n")
    (package / "requirements.txt").write_text("# no third-party packages\n")
    monkeypatch.setattr(packaging, "HANDLERS_ROOT", root)
    return root


@pytest.fixture
def pip_calls(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Record pip commands instead of running them; each 'install' succeeds and writes nothing."""
    calls: list[list[str]] = []

    def fake_run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        calls.append(list(command))
        return subprocess.CompletedProcess(command, 0, stdout="", stderr="")

    monkeypatch.setattr(packaging.subprocess, "run", fake_run)
    return calls


def build_greet(handlers_root: Path, platform: LambdaPlatform, build_root: Path) -> Path:
    """The archive of the team-style `greet` folder, whose handler is `greet.handler`."""
    return packaging.build_archive(handlers_root / "greet", "greet.handler", platform, build_root)


def _option(command: list[str], name: str) -> str:
    assert name in command, f"{name} missing from {command}"
    return command[command.index(name) + 1]


def test_the_same_sources_give_a_byte_identical_zip_with_the_same_name(handlers_root: Path, tmp_path: Path):
    first = build_greet(handlers_root, X86, tmp_path / "build-a")
    for path in (handlers_root / "greet").iterdir():
        os.utime(path, (1_700_000_000, 1_700_000_000))  # a checkout or an edit-and-revert changes mtimes only
    second = build_greet(handlers_root, X86, tmp_path / "build-b")
    assert first.name == second.name
    assert first.read_bytes() == second.read_bytes()


def test_building_twice_into_the_same_folder_returns_the_same_path(handlers_root: Path, tmp_path: Path):
    assert build_greet(handlers_root, X86, tmp_path) == packaging.build_archive(
        handlers_root / "greet", "greet.handler", X86, tmp_path
    )


def test_a_changed_source_gives_a_new_zip_name(handlers_root: Path, tmp_path: Path):
    before = build_greet(handlers_root, X86, tmp_path)
    (handlers_root / "greet" / "helpers.py").write_text("NAME = 'moon'\n")
    after = build_greet(handlers_root, X86, tmp_path)
    assert after != before
    with zipfile.ZipFile(after) as bundle:
        assert bundle.read("helpers.py") == b"NAME = 'moon'\n"


def test_the_zip_holds_the_package_modules_at_its_root_without_requirements_or_caches(
    handlers_root: Path, tmp_path: Path
):
    (handlers_root / "greet" / "__pycache__").mkdir()
    (handlers_root / "greet" / "__pycache__" / "greet.cpython-312.pyc").write_bytes(b"\0")
    with zipfile.ZipFile(build_greet(handlers_root, X86, tmp_path)) as bundle:
        assert sorted(bundle.namelist()) == ["greet.py", "helpers.py"]


def test_the_zip_name_says_the_platform_it_was_built_for(handlers_root: Path, tmp_path: Path):
    assert build_greet(handlers_root, ARM, tmp_path).name.startswith("greet-arm64-python3.12-")


def test_a_missing_handler_package_is_refused_naming_it(handlers_root: Path, tmp_path: Path):
    with pytest.raises(PackagingError, match="nope"):
        packaging.build_archive(handlers_root / "nope", "nope.handler", X86, tmp_path)


def test_a_handler_folder_given_as_a_str_is_refused_naming_the_fix(handlers_root: Path, tmp_path: Path):
    with pytest.raises(PackagingError, match=r"must be a Path, got str 'greet'"):
        packaging.build_archive("greet", "greet.handler", X86, tmp_path)  # type: ignore[arg-type]


@pytest.fixture
def seed(handlers_root: Path) -> Path:
    """A seed-style handler package, `hello/`: an `__init__.py`, modules importing each other absolutely."""
    package = handlers_root / "hello"
    package.mkdir()
    (package / "__init__.py").write_text('"""The hello package."""\n')
    (package / "greet.py").write_text("from hello.names import NAME\n\ndef handler(event, context):\n    return NAME\n")
    (package / "names.py").write_text("NAME = 'world'\n")
    (package / "requirements.txt").write_text("# none\n")
    return package


def test_a_package_named_by_its_handler_is_zipped_under_its_own_name(seed: Path, tmp_path: Path):
    with zipfile.ZipFile(packaging.build_archive(seed, "hello.greet.handler", X86, tmp_path)) as bundle:
        assert sorted(bundle.namelist()) == ["hello/__init__.py", "hello/greet.py", "hello/names.py"]


def test_a_team_folder_with_an_init_and_a_handler_in_it_stays_flat_as_before(seed: Path, tmp_path: Path):
    # `greet.handler` names a module in the folder: its contents sit at the archive's root, as they always have.
    with zipfile.ZipFile(packaging.build_archive(seed, "greet.handler", X86, tmp_path)) as bundle:
        assert sorted(bundle.namelist()) == ["__init__.py", "greet.py", "names.py"]


@pytest.mark.parametrize(
    ("handler", "prefix"),
    [
        ("hello.greet.handler", "hello/"),  # the folder is the package the handler names
        ("greet.handler", ""),  # the module is in the folder
        ("other.greet.handler", ""),  # another package's name: the folder is not it
        ("hello.missing.handler", ""),  # no such module in the package: the root, as before
        ("handler", ""),  # no module at all (Lambda refuses it at invoke, as before)
    ],
)
def test_the_archive_prefix_follows_where_lambda_imports_the_handler_module(seed: Path, handler: str, prefix: str):
    assert packaging.archive_prefix(seed, handler) == prefix


def test_a_folder_without_an_init_is_never_zipped_as_a_package(handlers_root: Path):
    (handlers_root / "greet" / "greet").mkdir()  # greet.greet.handler would be greet/greet.py... if greet were one
    assert packaging.archive_prefix(handlers_root / "greet", "greet.greet.handler") == ""


def test_seed_package_gives_a_seed_folder_and_names_the_seeds_for_an_unknown_one(seed: Path):
    assert packaging.seed_package("hello") == seed
    with pytest.raises(PackagingError, match=r"no seed handler package 'greet'.*\['hello'\]"):
        packaging.seed_package("greet")  # a folder, but not a package


def test_dependencies_key_differs_per_architecture_and_runtime():
    keys = {
        packaging.dependencies_key(PINNED, LambdaPlatform(runtime, architecture))
        for runtime in ("python3.12", "python3.13")
        for architecture in ("x86_64", "arm64")
    }
    assert len(keys) == 4


def test_dependencies_key_differs_per_requirements_but_not_their_order():
    two = ["a==1", "b==2"]
    assert packaging.dependencies_key(two, X86) == packaging.dependencies_key(list(reversed(two)), X86)
    assert packaging.dependencies_key(two, X86) != packaging.dependencies_key(["a==1", "b==3"], X86)


@pytest.mark.parametrize(
    ("platform", "pip_platform"),
    [(X86, "manylinux2014_x86_64"), (ARM, "manylinux2014_aarch64")],
    ids=["x86_64", "arm64"],
)
def test_dependencies_install_as_binary_wheels_for_the_lambda_platform(
    platform: LambdaPlatform, pip_platform: str, pip_calls: list[list[str]], tmp_path: Path
):
    target = packaging.install_dependencies(PINNED, platform, tmp_path)
    assert len(pip_calls) == 1
    command = pip_calls[0]
    assert command[1:4] == ["-m", "pip", "install"]
    assert _option(command, "--platform") == pip_platform
    assert "--only-binary=:all:" in command
    assert _option(command, "--python-version") == "3.12"
    # pip installs into a private staging folder beside the cache entry, renamed into place when complete.
    staging = Path(_option(command, "--target"))
    assert staging.parent == target.parent and staging.name.startswith(f"{target.name}-")
    assert (target / ".complete").exists() and not staging.exists()
    assert command[-len(PINNED) :] == PINNED


def test_a_second_install_of_the_same_requirements_is_a_cache_hit_that_runs_nothing(
    pip_calls: list[list[str]], tmp_path: Path
):
    first = packaging.install_dependencies(PINNED, X86, tmp_path)
    second = packaging.install_dependencies(PINNED, X86, tmp_path)
    assert second == first
    assert len(pip_calls) == 1


def test_another_platform_is_not_served_from_the_first_platform_cache(pip_calls: list[list[str]], tmp_path: Path):
    packaging.install_dependencies(PINNED, X86, tmp_path)
    packaging.install_dependencies(PINNED, ARM, tmp_path)
    assert [_option(call, "--platform") for call in pip_calls] == ["manylinux2014_x86_64", "manylinux2014_aarch64"]


def test_no_requirements_run_no_pip(pip_calls: list[list[str]], tmp_path: Path):
    packaging.install_dependencies([], X86, tmp_path)
    assert pip_calls == []


def test_a_failed_install_raises_and_is_not_cached(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    def failing_run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(command, 1, stdout="", stderr="No matching distribution")

    monkeypatch.setattr(packaging.subprocess, "run", failing_run)
    with pytest.raises(PackagingError, match="No matching distribution"):
        packaging.install_dependencies(PINNED, X86, tmp_path)
    assert not (tmp_path / "deps" / packaging.dependencies_key(PINNED, X86)).exists()


def test_installed_dependencies_are_zipped_at_the_root_next_to_the_handler(
    handlers_root: Path, pip_calls: list[list[str]], tmp_path: Path
):
    (handlers_root / "greet" / "requirements.txt").write_text("requests==2.32.3  # HTTP\n")
    deps = tmp_path / "deps" / packaging.dependencies_key(PINNED, X86)
    deps.mkdir(parents=True)
    (deps / "requests").mkdir()
    (deps / "requests" / "__init__.py").write_text("")
    (deps / ".complete").write_text("requests==2.32.3")
    with zipfile.ZipFile(build_greet(handlers_root, X86, tmp_path)) as bundle:
        assert sorted(bundle.namelist()) == ["greet.py", "helpers.py", "requests/__init__.py"]
    assert pip_calls == [], "the prepared folder was a cache hit"


@pytest.mark.parametrize("line", ["requests", "requests>=2.0", "boto3~=1.34"])
def test_an_unpinned_requirement_is_refused_naming_the_line(handlers_root: Path, tmp_path: Path, line: str):
    (handlers_root / "greet" / "requirements.txt").write_text(f"# deps\n{line}\n")
    with pytest.raises(PackagingError, match=f"'{line}' is not pinned"):
        packaging.requirement_lines(handlers_root / "greet")
    with pytest.raises(PackagingError, match=f"'{line}' is not pinned"):
        build_greet(handlers_root, X86, tmp_path)


def test_requirement_lines_drop_comments_and_blanks(handlers_root: Path):
    (handlers_root / "greet" / "requirements.txt").write_text("# deps\n\nrequests==2.32.3  # HTTP\n  \n")
    assert packaging.requirement_lines(handlers_root / "greet") == ["requests==2.32.3"]
