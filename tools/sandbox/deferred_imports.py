"""Defer moto's `moto.batch` package: the Step Functions interpreter needs one enum of it, not all of EC2.

moto's interpreter imports `moto.batch.utils.JobStatus` for its Batch task. Python runs a package's `__init__`
before any submodule, and `moto/batch/__init__.py` imports Batch's models, which import all of EC2 and parse
botocore's EC2 model and moto's AMI and instance-type files: about 1 s of CPU (3.8 s on a busy machine) at every
sandbox start, for a service the sandbox does not emulate (moto's import cost: getmoto/moto#2858). We register
`moto.batch` as a package whose `__init__` runs on the first attribute anyone reads from it, so `moto.batch.utils`
imports alone and Batch still works if something asks for its backends.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType
from typing import Any

DEFERRED_PACKAGES = ("moto.batch",)


def deferred_package(name: str) -> ModuleType | None:
    """Package `name` as a module whose `__init__` runs on first use, for `sys.modules`; None once it is imported."""
    if name in sys.modules:
        return None
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        raise ImportError(f"{name} is not an importable package")
    module = importlib.util.module_from_spec(spec)
    loader = spec.loader

    def load_on_first_use(attribute: str) -> Any:
        del module.__dict__["__getattr__"]
        loader.exec_module(module)
        return getattr(module, attribute)

    module.__dict__["__getattr__"] = load_on_first_use
    return module
