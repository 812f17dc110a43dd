"""RecordTransfer: a Lambda seeds a DynamoDB table, then a loop reads each record and sends it to an SQS queue."""

from .args import RECORD_KEY_ATTRIBUTE, RECORD_TRANSFER_HISTORY, RecordTransferArgs, RecordTransferSettings
from .component import DEAD_LETTER_RETENTION_SECONDS, MAX_RECEIVE_COUNT, MESSAGE_RETENTION_SECONDS, RecordTransfer
from .definition import (
    DONE,
    EXECUTION_EVENTS,
    MAX_MESSAGE_GROUP_ID_LENGTH,
    RECORD_CALL_RETRY_ATTEMPTS,
    RETRY_EVENTS,
    SEED_INVALID_EVENT,
    STATE_EVENTS,
    _loop_turn,  # noqa: F401 - the turn history_events counts, which the unit tests check state by state
    definition,
    history_events,
    message_group_id,
)

__all__ = [
    "DEAD_LETTER_RETENTION_SECONDS",
    "DONE",
    "EXECUTION_EVENTS",
    "MAX_MESSAGE_GROUP_ID_LENGTH",
    "MAX_RECEIVE_COUNT",
    "MESSAGE_RETENTION_SECONDS",
    "RECORD_CALL_RETRY_ATTEMPTS",
    "RECORD_KEY_ATTRIBUTE",
    "RECORD_TRANSFER_HISTORY",
    "RETRY_EVENTS",
    "SEED_INVALID_EVENT",
    "STATE_EVENTS",
    "RecordTransfer",
    "RecordTransferArgs",
    "RecordTransferSettings",
    "definition",
    "history_events",
    "message_group_id",
]
