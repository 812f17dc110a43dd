"""A team's own AWS Batch jobs polled by JobPoller: its submit and check functions, allowed exactly the Batch calls
they make (tests/unit/test_job_poller_batch_example.py evaluates this program and runs its handlers)."""

import pulumi
from sfn_patterns import JobPoller, JobPollerArgs, policies

config = pulumi.Config()
queue_arn = config.require("jobQueueArn")
job_definition_arn = config.require("jobDefinitionArn")

renders = JobPoller(
    "renders",
    JobPollerArgs(
        poll_interval_seconds=30,
        max_polls=240,
        job_timeout_seconds=7200,
        submit_handler={
            "code": "handlers/batch_job",  # beside this __main__.py
            "handler": "submit.handler",
            "environment": {"JOB_QUEUE": queue_arn, "JOB_DEFINITION": job_definition_arn},
            "statements": [policies.allow("SubmitJob", ["batch:SubmitJob"], [queue_arn, job_definition_arn])],
        },
        check_handler={
            "code": "handlers/batch_job",
            "handler": "check.handler",
            # batch:DescribeJobs takes no resource ARN: AWS grants it on "*" only.
            "statements": [policies.allow("DescribeJobs", ["batch:DescribeJobs"], ["*"])],
        },
    ),
)

pulumi.export("rendersStateMachineArn", renders.state_machine_arn)
