"""The sfn-patterns program: read stack config, build the workflows, export what users wire further."""

import pulumi

from components.alarm_topic import AlarmTopic
from components.config import CONFIG_KEYS, load_settings
from components.image_downloader import ImageDownloader, ImageDownloaderArgs
from components.job_poller import JobPoller, JobPollerArgs
from components.lambda_iterator import LambdaIterator, LambdaIteratorArgs
from components.map_fan_out import MapFanOut, MapFanOutArgs
from components.record_transfer import RecordTransfer, RecordTransferArgs
from components.task_tracker import TaskTracker, TaskTrackerArgs

config = pulumi.Config()
settings = load_settings({key: config.get(key) for key in CONFIG_KEYS})

alarms = AlarmTopic("alarms", settings.common.alarm_email)

map_fan_out = MapFanOut(
    "map-fan-out",
    MapFanOutArgs(
        item_source="table", settings=settings.map_fan_out, common=settings.common, alarm_topic_arn=alarms.arn
    ),
)
# The parallel-Lambda tutorial's Map had no MaxConcurrency and no Wait: every fruit at once.
parallel_lambda = MapFanOut(
    "parallel-lambda",
    MapFanOutArgs(
        item_source="lambda",
        settings=settings.parallel_lambda,
        common=settings.common,
        alarm_topic_arn=alarms.arn,
    ),
)
job_poller = JobPoller(
    "job-poller",
    JobPollerArgs(settings=settings.job_poller, common=settings.common, alarm_topic_arn=alarms.arn),
)
lambda_iterator = LambdaIterator(
    "lambda-iterator",
    LambdaIteratorArgs(settings=settings.lambda_iterator, common=settings.common, alarm_topic_arn=alarms.arn),
)
record_transfer = RecordTransfer(
    "record-transfer",
    RecordTransferArgs(settings=settings.record_transfer, common=settings.common, alarm_topic_arn=alarms.arn),
)
task_tracker = TaskTracker(
    "task-tracker",
    TaskTrackerArgs(settings=settings.task_tracker, common=settings.common, alarm_topic_arn=alarms.arn),
)

image_downloader = ImageDownloader(
    "image-downloader",
    ImageDownloaderArgs(settings=settings.image_downloader, common=settings.common, alarm_topic_arn=alarms.arn),
)

pulumi.export("alarmTopicArn", alarms.arn)
pulumi.export("mapFanOutStateMachineArn", map_fan_out.state_machine_arn)
pulumi.export("mapFanOutStateMachineName", map_fan_out.state_machine_name)
pulumi.export("mapFanOutTableName", map_fan_out.table.name if map_fan_out.table else None)
pulumi.export("parallelLambdaStateMachineArn", parallel_lambda.state_machine_arn)
pulumi.export("parallelLambdaStateMachineName", parallel_lambda.state_machine_name)
pulumi.export("jobPollerStateMachineArn", job_poller.state_machine_arn)
pulumi.export("jobPollerStateMachineName", job_poller.state_machine_name)
pulumi.export("jobsTableName", job_poller.table.name if job_poller.table else None)
pulumi.export("lambdaIteratorStateMachineArn", lambda_iterator.state_machine_arn)
pulumi.export("lambdaIteratorStateMachineName", lambda_iterator.state_machine_name)
pulumi.export("recordTransferStateMachineArn", record_transfer.state_machine_arn)
pulumi.export("recordTransferStateMachineName", record_transfer.state_machine_name)
pulumi.export("recordsTableName", record_transfer.table.name)
pulumi.export("recordsQueueUrl", record_transfer.queue_url)
pulumi.export("taskTrackerStateMachineArn", task_tracker.state_machine_arn)
pulumi.export("tasksTableName", task_tracker.table.name)
pulumi.export("taskStarterFunctionName", task_tracker.starter_function.name)
pulumi.export("imageDownloaderStateMachineArn", image_downloader.state_machine_arn)
pulumi.export("imageDownloaderApiUrl", image_downloader.api_url)
pulumi.export("imagesBucketName", image_downloader.bucket.bucket)
pulumi.export("imageUrlTableName", image_downloader.url_table.name)
pulumi.export("downloadFailuresTopicArn", image_downloader.failures_topic.arn)
