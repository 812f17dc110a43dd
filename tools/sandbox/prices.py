"""AWS list prices the benchmarks (tools/bench) and the sandbox console's cost estimate both use: us-east-1, as the
AWS pricing pages gave them on 2026-12-02, free tiers left out."""

from __future__ import annotations

#: Step Functions Standard: $0.025 per 1,000 state transitions (aws.amazon.com/step-functions/pricing).
DOLLARS_PER_TRANSITION = 0.025 / 1000
#: Lambda: $0.20 per million requests, and per GB-second $0.0000166667 on x86_64, $0.0000133334 on arm64
#: (aws.amazon.com/lambda/pricing).
LAMBDA_REQUEST = 0.20 / 1_000_000
LAMBDA_GB_SECOND = {"x86_64": 0.0000166667, "arm64": 0.0000133334}
PRICES_DATE = "2026-12-02"
