"""AWS's quotas and naming rules that the sandbox enforces, each beside the AWS page that states it."""

from __future__ import annotations

# https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html ("Maximum input or output size for a
# task, state, or execution": 256 KiB as a UTF-8 encoded string); the StartExecution API reference
# (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html) gives `input`
# "Length Constraints: Maximum length of 262144", in UTF-8 bytes.
STATES_PAYLOAD_BYTES = 256 * 1024

# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html ("Item size": "The maximum
# item size in DynamoDB is 400 KB, which includes both attribute name binary length (UTF-8 length) and attribute
# value lengths"), 400 x 1024 bytes.
DYNAMODB_ITEM_BYTES = 400 * 1024
# Same page, "BatchWriteItem": "A single BatchWriteItem operation can contain up to 25 PutItem or DeleteItem
# requests. The total size of all the items written cannot exceed 16 MB."
DYNAMODB_BATCH_WRITE_ITEMS = 25
DYNAMODB_BATCH_WRITE_BYTES = 16 * 1024 * 1024

# https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html ("Message size":
# up to 1 MiB, 1,048,576 bytes, since August 2025; "Message batch": at most 10 messages, and a batch's total size
# is bounded by the same 1 MiB).
SQS_MESSAGE_BYTES = 1024 * 1024
SQS_BATCH_ENTRIES = 10
# https://docs.aws.amazon.com/general/latest/gr/sns.html ("Publish": "up to 256 KB of data", 262,144 bytes).
SNS_MESSAGE_BYTES = 256 * 1024
