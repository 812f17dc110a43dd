"""Registry entries for moto's core (`moto.core`, `moto.backends`, `moto.settings`, `moto.moto_server`)."""

from __future__ import annotations

import sys

from .. import api_faults, backend_lookup, deferred_imports
from ..patching import EXTENSION_POINT, NO_ISSUE, NOT_A_BUG, PATCH, Entry, Hooks, ScopedPatch

GUARDS = "tests/sandbox/test_moto_patch_points.py"
MAP_SCALE = "tests/sandbox/test_map_scale.py"
DEFERRED_PACKAGE = "moto.batch"


def _defer_batch(patch: ScopedPatch, hooks: Hooks) -> None:
    module = deferred_imports.deferred_package(DEFERRED_PACKAGE)
    if module is not None:  # None: imported already (by an earlier sandbox in this process, or by its user)
        patch.item(sys.modules, DEFERRED_PACKAGE, module, point=f"sys.modules[{DEFERRED_PACKAGE!r}]")


def _iam_enforcement_switch(patch: ScopedPatch, hooks: Hooks) -> None:
    from moto import settings

    # No check until the operator exists; `EmbeddedAws.enforce_iam` then sets it to 0 (this entry's undo restores it).
    patch(settings, "INITIAL_NO_AUTH_ACTION_COUNT", float("inf"))


def _list_modules_once(patch: ScopedPatch, hooks: Hooks) -> None:
    from moto import backends

    modules = tuple(backends.list_of_moto_modules())
    patch(backends, "list_of_moto_modules", lambda: modules)


def _api_faults(patch: ScopedPatch, hooks: Hooks) -> None:
    api_faults.install(patch, lambda: hooks.faults)


def moto_server_class(poll_seconds: float) -> type:
    """moto's ThreadedMotoServer, serving with a short poll so that `stop()` returns at once, not after 0.5 s."""
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    class QuickStopMotoServer(ThreadedMotoServer):
        def _server_entry(self) -> None:  # moto's own, but for serve_forever's poll interval
            app = DomainDispatcherApplication(create_backend_app)
            self._server = make_server(self._ip_address, self._port, app, True, request_handler=MotoRequestHandler)
            self._server_ready_event.set()
            self._server.serve_forever(poll_interval=poll_seconds)

    return QuickStopMotoServer


ENTRIES = (
    Entry(
        name="defer-moto-batch",
        target='`sys.modules["moto.batch"]`',
        points=(f"sys.modules[{DEFERRED_PACKAGE!r}]",),
        why=(
            "moto's interpreter imports `moto.batch.utils` for one enum, and the package's `__init__` imports all of "
            "EC2 (about 1 s of CPU at every sandbox start); the package's `__init__` runs on first use instead."
        ),
        proven_by=(
            "tests/sandbox/test_deferred_imports.py::test_the_sandbox_starts_without_moto_batch_and_ec2_and_batch_still_answers",
            "tests/sandbox/test_deferred_imports.py::test_the_interpreter_still_reads_only_moto_batch_utils",
        ),
        upstream="https://github.com/getmoto/moto/issues/2858",
        kind=PATCH,
        how=(
            "Python runs a package's `__init__` before any submodule, and no moto switch changes what `moto.batch` "
            "imports. Not undone: submodules imported under the deferred package keep it as their parent."
        ),
        install=_defer_batch,
        undone=False,
    ),
    Entry(
        name="iam-enforcement-switch",
        points=("moto.settings.INITIAL_NO_AUTH_ACTION_COUNT",),
        why=(
            "moto checks IAM once this many requests have passed: none while the sandbox creates its operator, "
            "every request once `EmbeddedAws.enforce_iam()` sets it to 0."
        ),
        proven_by=(
            "tests/sandbox/test_sandbox_guarantees.py::test_an_operator_cannot_skip_iam_with_unknown_credentials",
        ),
        upstream=NOT_A_BUG,
        kind=EXTENSION_POINT,
        how="moto's own setting (the `INITIAL_NO_AUTH_ACTION_COUNT` of its server mode).",
        install=_iam_enforcement_switch,
    ),
    Entry(
        name="moto-module-list-once",
        points=("moto.backends.list_of_moto_modules",),
        why=(
            "moto's server routes every request by listing its own package folder (about 250 `isdir` calls under one "
            "lock every request thread shares); the folder does not change while the server runs, so it is listed once."
        ),
        proven_by=(
            f"{GUARDS}::test_the_embedded_aws_lists_moto_modules_once_and_routes_as_before",
            f"{GUARDS}::test_server_routing_still_asks_list_of_moto_modules_by_module_attribute",
        ),
        upstream=NO_ISSUE,
        kind=PATCH,
        how="A module function the server's router calls by module attribute; moto has no routing cache to turn on.",
        install=_list_modules_once,
    ),
    Entry(
        name="backend-lookup-without-lock",
        points=("moto.core.base_backend.BackendDict.__getitem__",),
        why=(
            "Every backend lookup took moto's global lock and scanned every BackendDict to register itself again; an "
            "account already present is returned at once (`tools/sandbox/backend_lookup.py`)."
        ),
        proven_by=(
            f"{MAP_SCALE}::test_a_backend_lookup_of_a_known_account_returns_it_without_re_registering",
            f"{MAP_SCALE}::test_moto_s_backend_lookup_still_registers_itself_under_the_global_lock_which_the_sandbox_skips",
        ),
        upstream=NO_ISSUE,
        kind=PATCH,
        how="Every service's backends are BackendDicts moto builds itself; a lookup cannot be configured.",
        install=lambda patch, hooks: backend_lookup.install(patch),
    ),
    Entry(
        name="api-faults",
        points=("moto.core.authorization.ActionAuthenticatorMixin._authenticate_and_authorize_action",),
        why=(
            "Every request passes it before moto runs the operation; an active API fault "
            "(`tools/sandbox/api_faults.py`) answers the request there with its service's own error, after the IAM "
            "check."
        ),
        proven_by=(
            "tests/sandbox/test_faults.py::test_a_throttled_call_gets_its_services_own_throttling_error_once_then_passes",
            "tests/sandbox/test_faults.py::test_every_moto_service_still_authorizes_through_authenticate_and_authorize_action",
        ),
        upstream=f"{NOT_A_BUG}: fault injection is the sandbox's own feature",
        kind=PATCH,
        how="moto has no hook between its authorization and the operation it dispatches to.",
        install=_api_faults,
    ),
    Entry(
        name="quick-stop-server",
        target="`moto.moto_server.threaded_moto_server.ThreadedMotoServer._server_entry`, in a subclass",
        points=(),
        why=(
            "moto's server polls for its stop every 0.5 s, which every sandbox's close waited out; the sandbox's "
            "`QuickStopMotoServer` polls every 50 ms."
        ),
        proven_by=(f"{GUARDS}::test_moto_s_threaded_server_still_serves_as_the_sandbox_s_quick_stop_subclass_does",),
        upstream=NOT_A_BUG,
        kind=EXTENSION_POINT,
        how="A subclass of moto's server class, which the sandbox builds itself (`moto_server_class`): no patch.",
        install=None,
    ),
)
