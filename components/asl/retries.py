"""The Retry policies every workflow shares: the transient errors of Lambda, DynamoDB and SQS, and their attempts."""

from __future__ import annotations

from typing import Any

State = dict[str, Any]

#: The transient Lambda errors AWS recommends retrying (Step Functions best practices).
LAMBDA_TRANSIENT_ERRORS = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
]
#: Attempts of the transient-error Retry of a Lambda task outside a loop.
LAMBDA_RETRY_ATTEMPTS = 6
LAMBDA_RETRY: State = {
    "ErrorEquals": LAMBDA_TRANSIENT_ERRORS,
    "IntervalSeconds": 2,
    "MaxAttempts": LAMBDA_RETRY_ATTEMPTS,
    "BackoffRate": 2,
}
#: Attempts of the transient-error Retry of a Lambda task inside a loop (JobPoller's check, LambdaIterator's
#: process): fewer, as every attempt is paid for in each turn's history budget.
LOOP_RETRY_ATTEMPTS = 2
LOOP_LAMBDA_RETRY: State = {**LAMBDA_RETRY, "MaxAttempts": LOOP_RETRY_ATTEMPTS}

#: DynamoDB's throttling and transient server errors, as the optimized integration names them.
DYNAMODB_TRANSIENT_ERRORS = [
    "DynamoDB.ProvisionedThroughputExceededException",
    "DynamoDB.RequestLimitExceeded",
    "DynamoDB.ThrottlingException",
    "DynamoDB.InternalServerError",
]
DYNAMODB_RETRY: State = {
    "ErrorEquals": DYNAMODB_TRANSIENT_ERRORS,
    "IntervalSeconds": 1,
    "MaxAttempts": 3,
    "BackoffRate": 2,
}
#: SQS's throttling (its own and KMS's, for an encrypted queue) and its SDK's transient and unmodeled errors.
SQS_TRANSIENT_ERRORS = [
    "SQS.RequestThrottledException",
    "SQS.KmsThrottledException",
    "SQS.SdkClientException",
    "SQS.AmazonSQSException",
]


def retry(errors: list[str], attempts: int) -> State:
    """A Retry of `errors`, `attempts` times, 1 s then twice as long each time."""
    return {"ErrorEquals": errors, "IntervalSeconds": 1, "MaxAttempts": attempts, "BackoffRate": 2}
