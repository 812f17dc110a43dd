"""JobPoller: submit a job, then check its status every few seconds until it succeeds, fails or runs too long."""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the args and outputs as types.
import json
from typing import Any

import pulumi

from .. import policies
from ..parts import own_handler
from ..stateful import data_table
from ..workflow_component import WorkflowComponent
from .args import JobPollerArgs, JobPollerSettings
from .definition import definition

#: The jobs table of the default (simulated) handlers: partition key `jobId`, records expire on `expiresAt`.
JOB_KEY_ATTRIBUTE = "jobId"
JOB_EXPIRY_ATTRIBUTE = "expiresAt"


class JobPoller(WorkflowComponent):
    """The job poller: a submit Lambda, a check Lambda polled in a Wait loop, and a simulated job service by default."""

    state_machine_arn: pulumi.Output[str]
    """The state machine's ARN."""
    state_machine_name: pulumi.Output[str]
    """The state machine's name."""
    jobs_table_name: pulumi.Output[str] | None
    """The simulated job service's table (only without your own submit and check functions)."""

    _longest_part = "submit-job"

    def __init__(self, name: str, args: JobPollerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        check = self._checker(name, args)
        common = check.common()
        settings = check.settings(JobPollerSettings)
        submit_given = check.given("submit_handler") or check.given("submit_function_arn")
        check_given = check.given("check_handler") or check.given("check_function_arn")
        if submit_given != check_given:
            raise check.error(
                "submit_handler" if submit_given else "check_handler",
                "give both submit_handler and check_handler (or their _function_arn), your job service, "
                "or neither (a simulated job)",
            )
        self._open(name, check, opts)
        self.table = None
        self.jobs_table_name = None
        submit_default = own_handler("job_poller", "submit_job.handler", "")
        check_default = own_handler("job_poller", "check_job.handler", "")
        submit_contract: dict[str, Any] = {}
        check_contract: dict[str, Any] = {}
        if not submit_given:
            self.table = data_table(
                f"{name}-jobs", self, common, hash_key=JOB_KEY_ATTRIBUTE, ttl_attribute=JOB_EXPIRY_ATTRIBUTE
            )
            self.jobs_table_name = self.table.name
            environment = {"JOBS_TABLE_NAME": self.table.name}
            submit_default["description"] = "Submits a simulated job: records it in the jobs table"
            check_default["description"] = "Reports a simulated job's status from the jobs table"
            submit_contract = {
                "environment": environment,
                "statements": self.table.arn.apply(
                    lambda arn: [policies.allow("RecordJob", ["dynamodb:PutItem"], [arn])]
                ),
            }
            check_contract = {
                "environment": environment,
                "statements": self.table.arn.apply(
                    lambda arn: [policies.allow("ReadJob", ["dynamodb:GetItem"], [arn])]
                ),
            }
        submit_arn, self.submit_function = self._lambda_part(
            check, f"{name}-submit-job", "submit", submit_default, common, **submit_contract
        )
        check_arn, self.check_function = self._lambda_part(
            check, f"{name}-check-job", "check", check_default, common, **check_contract
        )
        definition_json = pulumi.Output.all(submit_arn, check_arn).apply(
            lambda a: json.dumps(definition(submit_fn_arn=a[0], check_fn_arn=a[1], settings=settings))
        )
        statements = pulumi.Output.all(submit_arn, check_arn).apply(lambda a: [policies.invoke_functions(list(a))])
        self._state_machine(name, check, common, definition_json, statements)
        outputs: dict[str, Any] = {
            "stateMachineArn": self.state_machine_arn,
            "stateMachineName": self.state_machine_name,
        }
        if self.jobs_table_name is not None:
            outputs["jobsTableName"] = self.jobs_table_name
        self.register_outputs(outputs)
