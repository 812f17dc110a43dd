"""The sfn-patterns program: read stack config, build the workflows, export what users wire further."""

import pulumi

from components.alarm_topic import AlarmTopic
from components.config import CONFIG_KEYS, load_settings
from components.map_fan_out import MapFanOut, MapFanOutArgs

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

pulumi.export("alarmTopicArn", alarms.arn)
pulumi.export("mapFanOutStateMachineArn", map_fan_out.state_machine_arn)
pulumi.export("mapFanOutStateMachineName", map_fan_out.state_machine_name)
pulumi.export("mapFanOutTableName", map_fan_out.table.name if map_fan_out.table else None)
pulumi.export("parallelLambdaStateMachineArn", parallel_lambda.state_machine_arn)
pulumi.export("parallelLambdaStateMachineName", parallel_lambda.state_machine_name)
