"""AWS's quotas and naming rules that the sandbox enforces, each beside the AWS page that states it."""

from __future__ import annotations

# https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html ("Maximum input or output size for a
# task, state, or execution": 256 KiB as a UTF-8 encoded string); the StartExecution API reference
# (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html) gives `input`
# "Length Constraints: Maximum length of 262144", in UTF-8 bytes.
STATES_PAYLOAD_BYTES = 256 * 1024
# Same page ("Maximum execution history size": 25,000 events in a single state machine execution history; "If the
# execution history reaches this quota the execution fails"), for Standard workflows; "Maximum execution time" of an
# Express workflow: 5 minutes.
STATES_HISTORY_EVENTS = 25_000
EXPRESS_DURATION_SECONDS = 300

# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html ("Item size": "The maximum
# item size in DynamoDB is 400 KB, which includes both attribute name binary length (UTF-8 length) and attribute
# value lengths"), 400 x 1024 bytes.
DYNAMODB_ITEM_BYTES = 400 * 1024
# Same page, "BatchWriteItem": "A single BatchWriteItem operation can contain up to 25 PutItem or DeleteItem
# requests. The total size of all the items written cannot exceed 16 MB."
DYNAMODB_BATCH_WRITE_ITEMS = 25
DYNAMODB_BATCH_WRITE_BYTES = 16 * 1024 * 1024

# https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html (MessageBody: "The
# maximum size is 1 MiB or 1,048,576 bytes"; a batch's messages together are bounded by the same 1 MiB, see
# SendMessageBatch); https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html
# ("Message batch": "a maximum of 10 messages").
SQS_MESSAGE_BYTES = 1024 * 1024
SQS_BATCH_ENTRIES = 10
# https://docs.aws.amazon.com/sns/latest/api/API_Publish.html (Message: "at most 256 KB in size (262,144 bytes, not
# 262,144 characters)"); https://docs.aws.amazon.com/sns/latest/dg/large-message-payloads.html: that is a topic's
# default MaximumMessageSize, which may be raised to 1 MiB.
SNS_MESSAGE_BYTES = 256 * 1024

# --- deploy-time rules: names, documents, packages -------------------------------------------------------------

# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html ("Role name": 64 characters; "Role
# policy size cannot exceed 10,240 characters", the inline policies of a role together, white space not counted);
# CreateRole (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html): pattern [\w+=,.@-]+.
IAM_ROLE_NAME_CHARACTERS = 64
IAM_ROLE_POLICY_CHARACTERS = 10_240
# Same page ("Role trust policy length": 2,048 characters by default, adjustable to 4,096).
IAM_TRUST_POLICY_CHARACTERS = 2_048
# https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html (FunctionName: "If you specify only the
# function name, it is limited to 64 characters in length", pattern [a-zA-Z0-9-_]+).
LAMBDA_FUNCTION_NAME_CHARACTERS = 64
# https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html ("Deployment package (.zip file archive)
# size": 50 MB zipped, uploaded through the Lambda API; 250 MB unzipped; "Function environment variables": 4 KB,
# all of a function's variables in aggregate).
LAMBDA_ZIPPED_BYTES = 50 * 1024 * 1024
LAMBDA_UNZIPPED_BYTES = 250 * 1024 * 1024
LAMBDA_ENVIRONMENT_BYTES = 4 * 1024
# Same page ("Function timeout": 900 seconds (15 minutes); "Function memory allocation": 128 MB to 10,240 MB, in
# 1-MB increments); CreateFunction gives Timeout a minimum of 1.
LAMBDA_TIMEOUT_SECONDS = (1, 900)
LAMBDA_MEMORY_MB = (128, 10_240)
# https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html (General quotas: names of state machines
# are at most 80 characters, without white space, brackets, wildcards, `"#%\^|~`$&,;:/` or control characters;
# "Maximum size of state machine definition": 1 MB; CreateStateMachine gives `definition` a maximum length of
# 1048576).
STATE_MACHINE_NAME_CHARACTERS = 80
STATE_MACHINE_DEFINITION_BYTES = 1024 * 1024
# https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-queues.html ("Queue name": up
# to 80 characters, alphanumeric characters, hyphens and underscores; a FIFO queue's name ends in `.fifo`, which
# counts toward the 80).
SQS_QUEUE_NAME_CHARACTERS = 80
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html (3 to 63 characters; lowercase
# letters, numbers, dots and hyphens; begin and end with a letter or number).
S3_BUCKET_NAME_CHARACTERS = (3, 63)
# https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html (logGroupName: 1 to
# 512 characters, pattern [\.\-_/#A-Za-z0-9]+).
LOG_GROUP_NAME_CHARACTERS = 512
# https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html (retentionInDays:
# the values CloudWatch Logs accepts).
LOG_RETENTION_DAYS: tuple[int, ...] = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827)
LOG_RETENTION_DAYS += (2192, 2557, 2922, 3288, 3653)
# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html (table
# names: 3 to 255 characters, a-z, A-Z, 0-9, `_`, `-`, `.`).
DYNAMODB_TABLE_NAME_CHARACTERS = (3, 255)
# https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html (Name: up to 256 characters, alphanumeric,
# hyphens and underscores; a FIFO topic's name ends in `.fifo`).
SNS_TOPIC_NAME_CHARACTERS = 256

# --- the HTTP API ----------------------------------------------------------------------------------------------

# https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html ("Payload size": 10 MB, not
# adjustable; "Maximum integration timeout": 30 seconds, not adjustable), and the CreateIntegration reference
# (https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-integrations.html, timeoutInMillis:
# "between 50 and 30,000 milliseconds ... default timeout is 30 seconds for HTTP APIs").
HTTP_API_PAYLOAD_BYTES = 10 * 1024 * 1024
HTTP_API_INTEGRATION_TIMEOUT_MS = (50, 30_000)

# --- Lambda invocations ----------------------------------------------------------------------------------------

# https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html ("Invocation payload (request and
# response)": 6 MB each for synchronous invocations). The Invoke reference
# (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html) gives HTTP 413 for a request over it; on the wire
# the code is RequestEntityTooLargeException, "Request must be smaller than 6291456 bytes for the InvokeFunction
# operation". A response may be 100 bytes longer (6,291,556); over that the invocation answers a function error of
# type Function.ResponseSizeTooLarge.
LAMBDA_SYNC_REQUEST_BYTES = 6 * 1024 * 1024
LAMBDA_SYNC_RESPONSE_BYTES = 6 * 1024 * 1024 + 100
