"""The sfn-patterns program: read stack config, build the chosen workflows, export what users wire further."""

import pulumi

from components import config as stack
from components.alarm_topic import AlarmTopic
from components.image_downloader import ImageDownloader
from components.job_poller import JobPoller
from components.lambda_iterator import LambdaIterator
from components.map_fan_out import MapFanOut
from components.record_transfer import RecordTransfer
from components.task_tracker import TaskTracker

config = pulumi.Config()
settings = stack.load_settings({key: config.get(key) for key in stack.CONFIG_KEYS})
chosen = set(settings.workflows)

alarms = AlarmTopic("alarms", settings.common.alarm_email)
pulumi.export("alarmTopicArn", alarms.arn)

if "map-fan-out" in chosen:
    map_fan_out = MapFanOut("map-fan-out", stack.map_fan_out_args(settings, alarms.arn))
    pulumi.export("mapFanOutStateMachineArn", map_fan_out.state_machine_arn)
    pulumi.export("mapFanOutStateMachineName", map_fan_out.state_machine_name)
    pulumi.export("mapFanOutTableName", map_fan_out.table_name)
if "parallel-lambda" in chosen:
    # The parallel-Lambda tutorial's Map had no MaxConcurrency and no Wait: every fruit at once.
    parallel_lambda = MapFanOut("parallel-lambda", stack.parallel_lambda_args(settings, alarms.arn))
    pulumi.export("parallelLambdaStateMachineArn", parallel_lambda.state_machine_arn)
    pulumi.export("parallelLambdaStateMachineName", parallel_lambda.state_machine_name)
if "job-poller" in chosen:
    job_poller = JobPoller("job-poller", stack.job_poller_args(settings, alarms.arn))
    pulumi.export("jobPollerStateMachineArn", job_poller.state_machine_arn)
    pulumi.export("jobPollerStateMachineName", job_poller.state_machine_name)
    pulumi.export("jobsTableName", job_poller.jobs_table_name)
if "lambda-iterator" in chosen:
    lambda_iterator = LambdaIterator("lambda-iterator", stack.lambda_iterator_args(settings, alarms.arn))
    pulumi.export("lambdaIteratorStateMachineArn", lambda_iterator.state_machine_arn)
    pulumi.export("lambdaIteratorStateMachineName", lambda_iterator.state_machine_name)
if "record-transfer" in chosen:
    record_transfer = RecordTransfer("record-transfer", stack.record_transfer_args(settings, alarms.arn))
    pulumi.export("recordTransferStateMachineArn", record_transfer.state_machine_arn)
    pulumi.export("recordTransferStateMachineName", record_transfer.state_machine_name)
    pulumi.export("recordsTableName", record_transfer.table_name)
    pulumi.export("recordsQueueUrl", record_transfer.queue_url)
if "task-tracker" in chosen:
    task_tracker = TaskTracker("task-tracker", stack.task_tracker_args(settings, alarms.arn))
    pulumi.export("taskTrackerStateMachineArn", task_tracker.state_machine_arn)
    pulumi.export("tasksTableName", task_tracker.table_name)
    pulumi.export("taskStarterFunctionName", task_tracker.starter_function_name)
if "image-downloader" in chosen:
    image_downloader = ImageDownloader("image-downloader", stack.image_downloader_args(settings, alarms.arn))
    pulumi.export("imageDownloaderStateMachineArn", image_downloader.state_machine_arn)
    pulumi.export("imageDownloaderApiUrl", image_downloader.api_url)
    pulumi.export("imagesBucketName", image_downloader.bucket_name)
    pulumi.export("imageUrlTableName", image_downloader.url_table_name)
    pulumi.export("downloadFailuresTopicArn", image_downloader.failures_topic_arn)
