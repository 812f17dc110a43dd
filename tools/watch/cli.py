"""`python -m tools.watch EXECUTION_ARN`: follow an execution in AWS or the sandbox until it ends."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from botocore.exceptions import BotoCoreError, ClientError

from .follow import follow, make_client

USAGE_ERROR = 2
INTERRUPTED = 130


def region_of(execution_arn: str) -> str | None:
    """`arn:aws:states:eu-west-1:...:execution:...` -> `eu-west-1` (None for something that is not an ARN)."""
    parts = execution_arn.split(":")
    return parts[3] if len(parts) > 3 and parts[0] == "arn" and parts[3] else None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tools.watch",
        description="Follow a Step Functions execution: the current state, a progress bar per Map, Lambda failures "
        "as they happen, then its status, duration, state transitions, error and cause. Plain lines when stdout "
        "is not a terminal. Exits 0 when it succeeded, 1 when it did not, 2 when it cannot be watched.",
    )
    parser.add_argument("execution_arn", metavar="EXECUTION_ARN")
    parser.add_argument("--region", help="AWS region (default: the ARN's)")
    parser.add_argument("--profile", help="AWS profile (default: the environment's credentials)")
    parser.add_argument("--endpoint-url", help="a Step Functions endpoint, e.g. the sandbox's http://127.0.0.1:PORT")
    parser.add_argument("--poll-seconds", type=float, default=1.0, help="how often to poll (default 1)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        client = make_client(args.region or region_of(args.execution_arn), args.profile, args.endpoint_url)
        summary = follow(client, args.execution_arn, sys.stdout, poll_seconds=args.poll_seconds)
    except (BotoCoreError, ClientError) as error:
        print(f"tools.watch: error: {error}", file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        print(f"tools.watch: stopped watching; {args.execution_arn} goes on", file=sys.stderr)
        return INTERRUPTED
    return 0 if summary.status == "SUCCEEDED" else 1
