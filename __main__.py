"""The sfn-patterns program: read stack config, build the chosen workflows, export what users wire further."""

import pulumi

from components import config as stack
from components.alarm_topic import AlarmTopic

settings = stack.load_settings(stack.read_stack_config(pulumi.Config()))

alarms = AlarmTopic("alarms", settings.common.alarm_email)
pulumi.export("alarmTopicArn", alarms.arn)

for workflow in settings.chosen():
    component = workflow.component(workflow.name, workflow.args(settings, alarms.arn))
    for output, attribute in workflow.outputs.items():
        pulumi.export(output, getattr(component, attribute))
