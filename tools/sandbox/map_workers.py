"""Map workers that take job after job in a loop: moto's recurse once per job, so a Map hangs at scale.

moto's `IterationWorker._eval_pool` (inline Map) and `DistributedItemProcessorWorker._eval_pool` (Distributed Map)
evaluate a job, then call themselves for the next one. A worker thread's stack therefore grows by one frame per job
it has run, and once the jobs per worker (items / MaxConcurrency) plus the deepest job's own stack (the interpreter,
boto3, the HTTP call: a few hundred frames) pass Python's recursion limit (1,000), the worker's thread dies with a
RecursionError outside every handler. Its job is never closed, so `JobPool.await_jobs` waits for ever and the
execution stays RUNNING (160,000 images at MaxConcurrency 10 crashed so; 1,500 Pass items at MaxConcurrency 1 hang).
These loops do what each recursion did, step for step, in one frame.
"""

from __future__ import annotations

from typing import Any

from .patching import Patch

ITERATION_WORKER_MODULE = "moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.iteration_worker"
DISTRIBUTED_WORKER_MODULE = (
    "moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.itemprocessor."
    "distributed_item_processor_worker"
)


def _run_jobs(worker: Any, job: Any, worker_frame: Any, *, child_executions: bool) -> None:
    """moto's `_eval_pool`, which calls itself once per job, as a loop. Inline iterations end their frames with
    `close_frame`; a Distributed Map's child executions with `delete_frame`."""
    end_worker_frame = worker._env.delete_frame if child_executions else worker._env.close_frame
    end_job_frame = worker_frame.delete_frame if child_executions else worker_frame.close_frame
    while True:
        if job is None:
            end_worker_frame(worker_frame)
            return
        job_frame = worker_frame.open_inner_frame()
        worker._eval_job(env=job_frame, job=job)
        end_job_frame(job_frame)
        if isinstance(job.job_output, Exception) or worker.stopped():
            end_worker_frame(worker_frame)
            worker._job_pool.close_job(job)
            return
        next_job = worker._job_pool.next_job()
        if next_job is None:
            if not child_executions:
                # Non-faulty terminal iteration update events are the source of the following states (as moto's).
                last_event_id = job_frame.event_history_context.last_published_event_id
                worker_frame.event_history_context.source_event_id = last_event_id
            end_worker_frame(worker_frame)
            worker._job_pool.close_job(job)
            return
        worker._job_pool.close_job(job)
        job = next_job


def inline_eval_pool(worker: Any, job: Any, worker_frame: Any) -> None:
    """`IterationWorker._eval_pool` as a loop."""
    _run_jobs(worker, job, worker_frame, child_executions=False)


def distributed_eval_pool(worker: Any, job: Any, worker_frame: Any) -> None:
    """`DistributedItemProcessorWorker._eval_pool` as a loop."""
    _run_jobs(worker, job, worker_frame, child_executions=True)


def install(patch: Patch) -> None:
    import importlib

    iteration = importlib.import_module(ITERATION_WORKER_MODULE)
    distributed = importlib.import_module(DISTRIBUTED_WORKER_MODULE)
    patch(iteration.IterationWorker, "_eval_pool", inline_eval_pool)
    patch(distributed.DistributedItemProcessorWorker, "_eval_pool", distributed_eval_pool)
