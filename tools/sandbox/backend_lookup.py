"""A moto backend looked up without the global lock: moto re-registered the service on every lookup.

`BackendDict.__getitem__` (every `s3_backends[account]`, some 15 per request) takes moto's global `backend_lock`,
copies the dict's keys into a list to test one, and scans the list of every BackendDict instance (about 150,
comparing each with `__eq__`) to register itself again. A key is only ever added by that same function, which
registers the instance, and `BackendDict.reset` forgets the accounts together with the registrations: so an
account already present needs none of it. It was an eighth of the embedded AWS's CPU per S3 PutObject at 100,000 images.
"""

from __future__ import annotations

from typing import Any

from .patching import Patch


def install(patch: Patch) -> None:
    from moto.core.base_backend import BackendDict

    original = BackendDict.__getitem__

    def getitem(backends: Any, account_id: str) -> Any:
        found = dict.get(backends, account_id)
        return found if found is not None else original(backends, account_id)

    patch(BackendDict, "__getitem__", getitem)
