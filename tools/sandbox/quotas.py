"""AWS's quotas and naming rules that the sandbox enforces, each beside the AWS page that states it."""

from __future__ import annotations

# https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html ("Maximum input or output size for a
# task, state, or execution": 256 KiB as a UTF-8 encoded string); the StartExecution API reference
# (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html) gives `input`
# "Length Constraints: Maximum length of 262144", in UTF-8 bytes.
STATES_PAYLOAD_BYTES = 256 * 1024
