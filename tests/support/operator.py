"""Tools run as the sandbox operator read credentials as boto3 does: here, from the environment."""

from __future__ import annotations

import pytest

from tools.sandbox.session import Sandbox


def operator_credentials_in_environment(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """The operator's keys (and the sandbox's region) in the environment, as a user's shell would have them."""
    credentials = sandbox.aws.operator_credentials
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", credentials["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", credentials["SecretAccessKey"])
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
