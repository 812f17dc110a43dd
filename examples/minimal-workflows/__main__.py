"""Each workflow component with the seed tutorial's own parts and the fewest args: the minimal code each workflow's
docs page includes (tests/unit/test_minimal_workflows.py evaluates this program and checks what each one creates)."""

import pulumi
from sfn_patterns import (
    ImageDownloader,
    ImageDownloaderArgs,
    JobPoller,
    JobPollerArgs,
    LambdaIterator,
    LambdaIteratorArgs,
    RecordTransfer,
    RecordTransferArgs,
)


def image_downloader() -> None:
    downloads = ImageDownloader(
        "downloads",  # lowercase: the images bucket is named after it
        ImageDownloaderArgs(allowed_hosts=["images.example.com"], notification_email="ops@example.com"),
    )
    pulumi.export("downloadsApiUrl", downloads.api_url)
    pulumi.export("downloadsBucketName", downloads.bucket_name)


def job_poller() -> None:
    jobs = JobPoller("jobs", JobPollerArgs(poll_interval_seconds=30, max_polls=20, job_timeout_seconds=900))
    pulumi.export("jobsStateMachineArn", jobs.state_machine_arn)


def lambda_iterator() -> None:
    loop = LambdaIterator("loop", LambdaIteratorArgs(max_iterations=100))
    pulumi.export("loopStateMachineArn", loop.state_machine_arn)


def record_transfer() -> None:
    transfer = RecordTransfer("transfer", RecordTransferArgs(max_records=500, retain_data=True))
    pulumi.export("transferStateMachineArn", transfer.state_machine_arn)
    pulumi.export("transferQueueUrl", transfer.queue_url)


image_downloader()
job_poller()
lambda_iterator()
record_transfer()
