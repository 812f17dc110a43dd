"""A Map worker runs any number of jobs: moto's recursed once per job and hung past about a thousand per worker."""

from __future__ import annotations

import inspect
import json
import sys
from collections.abc import Iterator

import pytest

from tests.support.embedded import distributed_map, run
from tools.sandbox import map_workers
from tools.sandbox.aws import EmbeddedAws

#: More jobs for one worker (MaxConcurrency 1) than Python's recursion limit has frames.
JOBS_PAST_THE_RECURSION_LIMIT = sys.getrecursionlimit() + 500


@pytest.fixture(scope="module")
def aws() -> Iterator[EmbeddedAws]:
    with EmbeddedAws() as embedded:
        embedded.enforce_iam()
        yield embedded


def _workers() -> tuple[type, type]:
    import importlib

    iteration = importlib.import_module(map_workers.ITERATION_WORKER_MODULE)
    distributed = importlib.import_module(map_workers.DISTRIBUTED_WORKER_MODULE)
    return iteration.IterationWorker, distributed.DistributedItemProcessorWorker


def test_moto_map_workers_still_recurse_once_per_job_which_the_sandbox_replaces_with_a_loop():
    for worker in _workers():
        source = inspect.getsource(worker.__dict__["_eval_pool"])
        assert "self._eval_pool(job=next_job, worker_frame=worker_frame)" in source, f"{worker.__name__} changed"
        assert list(inspect.signature(worker.__dict__["_eval_pool"]).parameters) == ["self", "job", "worker_frame"]
        assert "self._eval_pool(" in inspect.getsource(worker.eval), f"{worker.__name__}.eval no longer starts it"


def test_the_embedded_aws_installs_the_loops_and_restores_moto_s_workers():
    originals = [worker.__dict__["_eval_pool"] for worker in _workers()]
    with EmbeddedAws():
        assert [worker.__dict__["_eval_pool"] for worker in _workers()] == [
            map_workers.inline_eval_pool,
            map_workers.distributed_eval_pool,
        ]
    assert [worker.__dict__["_eval_pool"] for worker in _workers()] == originals


def test_a_distributed_map_of_one_worker_runs_more_children_than_the_recursion_limit(aws):
    items = list(range(JOBS_PAST_THE_RECURSION_LIMIT))
    definition = distributed_map({"Double": {"Type": "Pass", "End": True}}, MaxConcurrency=1)
    done = run(aws, definition, json.dumps(items))
    assert done["status"] == "SUCCEEDED", done.get("cause")
    assert json.loads(done["output"]) == items


def test_an_inline_map_of_one_worker_runs_more_iterations_than_the_recursion_limit(aws):
    items = list(range(JOBS_PAST_THE_RECURSION_LIMIT))
    definition = {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "MaxConcurrency": 1,
                "ItemProcessor": {"StartAt": "Same", "States": {"Same": {"Type": "Pass", "End": True}}},
                "End": True,
            }
        },
    }
    done = run(aws, definition, json.dumps(items))
    assert done["status"] == "SUCCEEDED", done.get("cause")
    assert json.loads(done["output"]) == items


def test_moto_s_backend_lookup_still_registers_itself_under_the_global_lock_which_the_sandbox_skips():
    from moto.core.base_backend import BackendDict

    source = inspect.getsource(BackendDict)  # the file's, not the patched attribute's
    assert "with backend_lock:" in source and "BackendDict._instances.append(self)" in source
    assert "self._create_account_specific_backend(account_id)\n        return super().__getitem__(account_id)" in source
    # reset forgets the accounts with the registrations, so an account present is always a registered one.
    reset = inspect.getsource(BackendDict.reset)
    assert "backend.clear()" in reset and "BackendDict._instances.clear()" in reset


def test_a_backend_lookup_of_a_known_account_returns_it_without_re_registering(aws, monkeypatch):
    from moto.core.base_backend import BackendDict
    from moto.s3.models import s3_backends

    from tools.sandbox.aws import ACCOUNT_ID

    aws.client("s3").list_buckets()  # the account's S3 backend exists
    registered = []
    monkeypatch.setattr(BackendDict, "_create_account_specific_backend", lambda *args: registered.append(args))
    assert s3_backends[ACCOUNT_ID] is dict.get(s3_backends, ACCOUNT_ID)
    assert registered == []
    with pytest.raises(KeyError):  # an account not seen yet still goes through moto's (here stubbed) registration
        s3_backends["000000000000"]
    assert len(registered) == 1
