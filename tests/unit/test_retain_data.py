"""`retainData`: every table, bucket and queue is protected on stacks that keep their data, and nothing else."""

from __future__ import annotations

import pytest

from components.config import ConfigError, load_settings
from tools.program import ProgramRun

#: Resource types that hold data a `pulumi destroy` could lose.
DATA_TYPES = ("aws:dynamodb/table:Table", "aws:s3/bucket:Bucket", "aws:sqs/queue:Queue")


def _data(run: ProgramRun) -> list:
    found = [resource for resource in run.resources if resource.type in DATA_TYPES]
    assert found, "the program registers tables, buckets or queues"
    return found


def test_dev_stacks_can_destroy_their_data(program: ProgramRun):
    assert [r.name for r in _data(program) if r.protect or r.retain_on_delete] == []


def test_retain_data_protects_every_table_bucket_and_queue_from_destroy(run_with):
    run = run_with(retainData="true")
    assert all(r.protect and r.retain_on_delete for r in _data(run)), [
        r.name for r in _data(run) if not (r.protect and r.retain_on_delete)
    ]
    types = {r.type for r in _data(run)}
    assert types == set(DATA_TYPES), "a table, the image bucket and the record queues are all covered"


def test_retain_data_protects_only_what_holds_data(run_with):
    others = [r.name for r in run_with(retainData="true").resources if r.type not in DATA_TYPES and r.protect]
    assert others == [], "functions, roles and state machines stay replaceable"


def test_retain_data_must_be_true_or_false():
    with pytest.raises(ConfigError, match="retainData"):
        load_settings({"retainData": "yes"})
