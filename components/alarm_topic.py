"""AlarmTopic: the encrypted SNS topic every workflow's alarms notify, with an optional e-mail subscription."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws


class AlarmTopic(pulumi.ComponentResource):
    """An SNS topic encrypted with the AWS-managed key; `alarm_email` subscribes one address."""

    topic: aws.sns.Topic
    arn: pulumi.Output[str]

    def __init__(self, name: str, alarm_email: str | None, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("sfn-patterns:index:AlarmTopic", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.topic = aws.sns.Topic(f"{name}-topic", kms_master_key_id="alias/aws/sns", opts=child)
        if alarm_email:
            aws.sns.TopicSubscription(
                f"{name}-email", topic=self.topic.arn, protocol="email", endpoint=alarm_email, opts=child
            )
        self.arn = self.topic.arn
        self.register_outputs({"arn": self.arn})
