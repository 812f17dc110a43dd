"""A team's own work tracked as tasks: its report Lambda runs between STARTED and DONE and writes to its bucket."""

import pulumi
import pulumi_aws as aws
from sfn_patterns import TaskTracker, TaskTrackerArgs, policies

# The team's own private, encrypted bucket for the reports.
reports = aws.s3.Bucket("reports")
aws.s3.BucketPublicAccessBlock(
    "reports-public-access",
    bucket=reports.id,
    block_public_acls=True,
    block_public_policy=True,
    ignore_public_acls=True,
    restrict_public_buckets=True,
)
aws.s3.BucketServerSideEncryptionConfiguration(
    "reports-encryption",
    bucket=reports.id,
    rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}, "bucket_key_enabled": True}],
)

tracker = TaskTracker(
    "report-tasks",
    TaskTrackerArgs(
        work_handler={
            "code": "handlers/report",
            "handler": "report.handler",
            "environment": {"REPORTS_BUCKET": reports.bucket},
            # Only the reports/ prefix: the function cannot overwrite anything else in the bucket.
            "statements": reports.arn.apply(
                lambda arn: [policies.allow("WriteReports", ["s3:PutObject"], [f"{arn}/reports/*"])]
            ),
            "timeout_seconds": 30,
        },
        tags={"team": "reports"},
    ),
)

pulumi.export("stateMachineArn", tracker.state_machine_arn)
pulumi.export("taskStarterFunctionName", tracker.starter_function_name)
pulumi.export("tasksTableName", tracker.table_name)
pulumi.export("reportsBucketName", reports.bucket)
