"""RecordTransfer's args: the seed function, the source table, the destination queue, and the loop's bound."""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the args as types.
from dataclasses import dataclass
from typing import Annotated, NotRequired

import pulumi

from ..parts import HandlerSpec, WorkflowOptions
from ..setting import DECLARED, Setting, declared, defaults_from
from ..settings import HistoryBudget

#: The tutorial's table: partition key `MessageId`; the seed Lambda writes MessageNo1..MessageNon.
RECORD_KEY_ATTRIBUTE = "MessageId"
# Counted from the definition with every Retry taken (a unit test derives them with history_events; an e2e test
# counts the retry-free history in the sandbox).
RECORD_TRANSFER_HISTORY = HistoryBudget(
    29,
    22,
    "Choice 2 + GetItem Task 5 + RecordFound Choice 2 + SendMessage Task 5 + pop Pass 2, and one retry "
    "of each Task 3 + 3",
)


@declared
class RecordTransferArgs(WorkflowOptions):
    """The seed function, the source table, the destination queue, and the loop's bound."""

    seed_handler: NotRequired[HandlerSpec]
    """Your function that gets the execution input and returns `{"List": [key, ..., "DONE"]}`, the keys of the
    records to send in order; it is given TABLE_NAME and MAX_RECORDS, and may PutItem in the table; an exception
    class named InvalidEvent fails the execution with InvalidInput and its message. Default: the seed's, which
    writes `{"count": n}` records MessageNo1..n."""
    seed_function_arn: NotRequired[pulumi.Input[str]]
    """An existing seed function, instead of one built here."""
    table_name: NotRequired[pulumi.Input[str]]
    """An existing source table (a string partition key, `record_key_attribute`; each record's `Message` a string);
    default: a table of the component's own."""
    record_key_attribute: Annotated[NotRequired[str], Setting(RECORD_KEY_ATTRIBUTE)]
    """The source table's partition key attribute."""
    queue_url: NotRequired[pulumi.Input[str]]
    """An existing destination queue, FIFO (its name ends in `.fifo`: records keep their order and a retried send
    is deduplicated) or standard; default: an encrypted FIFO queue of the component's own, with a dead-letter
    queue."""
    max_records: Annotated[
        NotRequired[int],
        Setting(1000, low=1, high=RECORD_TRANSFER_HISTORY.max_turns, above=RECORD_TRANSFER_HISTORY.above),
    ]
    """The most records one execution sends (bounded so the loop fits the execution history)."""


@dataclass(frozen=True)
@defaults_from(RecordTransferArgs)
class RecordTransferSettings:
    """The record transfer's largest accepted `count` of records, resolved."""

    max_records: int = DECLARED
