"""The sandbox's Pulumi mocks engine: each resource the program registers is created in the embedded AWS.

As the AWS provider does, it creates every resource in the stack's `aws:region` (the embedded AWS takes that region
at the first resource) and stores the tags a resource is given, so each service's ListTags call returns them.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi

from .aws import ACCOUNT_ID, DEFAULT_REGION, EmbeddedAws, SandboxError
from .lambda_runtime import FunctionSpec, LambdaRuntime
from .program import NAME_INPUTS
from .rules import RoleLimits, check_resource

#: Types the program may register that the embedded AWS records but does not emulate, each with the reason.
RECORDED_NOT_EMULATED: dict[str, str] = {
    "aws:sns/topicSubscription:TopicSubscription": (
        "e-mail subscriptions need a confirmation click; the subscription is recorded, no mail is sent"
    ),
    "aws:cloudwatch/metricAlarm:MetricAlarm": (
        "Step Functions metrics are not emitted by the embedded AWS, so alarms are recorded, never evaluated"
    ),
}


#: Pulumi's `aws.sqs.Queue` inputs -> the SQS attributes CreateQueue takes.
SQS_QUEUE_ATTRIBUTES = {
    "fifoQueue": "FifoQueue",
    "contentBasedDeduplication": "ContentBasedDeduplication",
    "deduplicationScope": "DeduplicationScope",
    "fifoThroughputLimit": "FifoThroughputLimit",
    "sqsManagedSseEnabled": "SqsManagedSseEnabled",
    "kmsMasterKeyId": "KmsMasterKeyId",
    "kmsDataKeyReusePeriodSeconds": "KmsDataKeyReusePeriodSeconds",
    "messageRetentionSeconds": "MessageRetentionPeriod",
    "visibilityTimeoutSeconds": "VisibilityTimeout",
    "delaySeconds": "DelaySeconds",
    "maxMessageSize": "MaximumMessageSize",
    "receiveWaitTimeSeconds": "ReceiveMessageWaitTimeSeconds",
    "redrivePolicy": "RedrivePolicy",
    "redriveAllowPolicy": "RedriveAllowPolicy",
    "policy": "Policy",
}


def _sqs_attribute(value: Any) -> str:
    """SQS attributes are strings: booleans lower-case, whole numbers without the ".0" Pulumi's floats carry."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class UnknownResourceType(SandboxError):
    """The program registered a resource type the sandbox neither creates nor records."""


@dataclass
class CreatedResource:
    """What the sandbox did for one registered resource."""

    type: str
    logical_name: str
    physical_name: str
    emulated: bool
    state: dict[str, Any] = field(default_factory=dict)


def _tags(args: pulumi.runtime.MockResourceArgs) -> dict[str, str]:
    """The resource's `tags` input (a component's tags included: its transformation merged them in)."""
    return {str(key): str(value) for key, value in (args.inputs.get("tags") or {}).items() if value is not None}


def _tag_list(tags: dict[str, str], key: str = "Key", value: str = "Value") -> list[dict[str, str]]:
    return [{key: name, value: text} for name, text in tags.items()]


def auto_name(logical_name: str) -> str:
    """Pulumi auto-naming: the logical name, a dash and 7 random hex digits."""
    return f"{logical_name}-{secrets.token_hex(4)[:7]}"


class SandboxMocks(pulumi.runtime.Mocks):
    """Creates every custom resource in the embedded AWS and returns its real outputs (ARN, name, id...)."""

    def __init__(
        self, aws: EmbeddedAws, runtime: LambdaRuntime, lambda_pool_size: int = 8, gateway_url: str = ""
    ) -> None:
        self.aws = aws
        #: Where the sandbox's HTTP API gateway listens: every stage's invoke URL.
        self.gateway_url = gateway_url
        self.runtime = runtime
        self.lambda_pool_size = lambda_pool_size
        self.created: list[CreatedResource] = []
        self.functions: dict[str, FunctionSpec] = {}
        self._lock = threading.Lock()
        self.role_limits = RoleLimits()
        self._creators: dict[str, Callable[[pulumi.runtime.MockResourceArgs, str], dict[str, Any]]] = {
            "aws:sns/topic:Topic": self._topic,
            "aws:dynamodb/table:Table": self._table,
            "aws:iam/role:Role": self._role,
            "aws:iam/rolePolicy:RolePolicy": self._role_policy,
            "aws:cloudwatch/logGroup:LogGroup": self._log_group,
            "aws:lambda/function:Function": self._function,
            "aws:sfn/stateMachine:StateMachine": self._state_machine,
            "aws:s3/bucket:Bucket": self._bucket,
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": self._bucket_public_access_block,
            "aws:s3/bucketOwnershipControls:BucketOwnershipControls": self._bucket_ownership_controls,
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (
                self._bucket_encryption
            ),
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": self._bucket_lifecycle,
            "aws:s3/bucketPolicy:BucketPolicy": self._bucket_policy,
            "aws:apigatewayv2/api:Api": self._http_api,
            "aws:apigatewayv2/integration:Integration": self._http_integration,
            "aws:apigatewayv2/route:Route": self._http_route,
            "aws:apigatewayv2/stage:Stage": self._http_stage,
            "aws:sqs/queue:Queue": self._queue,
            "aws:sqs/queuePolicy:QueuePolicy": self._queue_policy,
        }

    @property
    def emulated_types(self) -> set[str]:
        return set(self._creators)

    def follow_stack_region(self) -> str:
        """The stack's `aws:region`, as the AWS provider reads it; the embedded AWS moves there."""
        region = str(pulumi.runtime.get_config("aws:region") or DEFAULT_REGION)
        if region != self.aws.region:
            self.aws.region = region
        return region

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if not args.custom:
            return None, {}  # components have no cloud resource of their own
        self.follow_stack_region()  # before anything is created: every client then calls the stack's region
        explicit = args.inputs.get(NAME_INPUTS.get(args.typ, "name"))
        name = str(explicit) if explicit else auto_name(args.name)
        check_resource(args.typ, args.name, name, args.inputs)
        self.role_limits.check(args.typ, args.name, args.inputs)
        creator = self._creators.get(args.typ)
        if creator is not None:
            state = {**args.inputs, **creator(args, name)}
            if "tags" in args.inputs:
                state["tagsAll"] = _tags(args)  # the provider's default tags would join here; the sandbox has none
        elif args.typ in RECORDED_NOT_EMULATED:
            state = {**args.inputs, "name": name}
        else:
            raise UnknownResourceType(
                f"resource type {args.typ} ({args.name}) is neither created by the sandbox nor listed in "
                "RECORDED_NOT_EMULATED (tools/sandbox/engine.py); add a creator or a reason"
            )
        with self._lock:
            self.created.append(CreatedResource(args.typ, args.name, name, creator is not None, state))
        return str(state.get("id") or name), state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": ACCOUNT_ID, "arn": f"arn:aws:iam::{ACCOUNT_ID}:root", "userId": ACCOUNT_ID}, []
        if args.token == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}, []
        if args.token == "aws:index/getRegion:getRegion":
            region = self.follow_stack_region()
            return {"name": region, "region": region, "id": region}, []
        raise UnknownResourceType(f"the program called {args.token}, which the sandbox does not answer")

    # creators: each returns the outputs Pulumi would report
    def _topic(self, args: pulumi.runtime.MockResourceArgs, name: str) -> dict[str, Any]:
        attributes = {}
        if args.inputs.get("kmsMasterKeyId"):
            attributes["KmsMasterKeyId"] = args.inputs["kmsMasterKeyId"]
        arn = self.aws.client("sns").create_topic(Name=name, Attributes=attributes, Tags=_tag_list(_tags(args)))[
            "TopicArn"
        ]
        return {"id": arn, "arn": arn, "name": name}

    def _table(self, args: pulumi.runtime.MockResourceArgs, name: str) -> dict[str, Any]:
        inputs = args.inputs
        keys = [{"AttributeName": inputs["hashKey"], "KeyType": "HASH"}]
        if inputs.get("rangeKey"):
            keys.append({"AttributeName": inputs["rangeKey"], "KeyType": "RANGE"})
        dynamodb = self.aws.client("dynamodb")
        table = dynamodb.create_table(
            TableName=name,
            KeySchema=keys,
            AttributeDefinitions=[
                {"AttributeName": a["name"], "AttributeType": a["type"]} for a in inputs["attributes"]
            ],
            BillingMode=inputs.get("billingMode", "PROVISIONED"),
            SSESpecification={"Enabled": bool(inputs.get("serverSideEncryption", {}).get("enabled"))},
            Tags=_tag_list(_tags(args)),
        )["TableDescription"]
        if inputs.get("pointInTimeRecovery", {}).get("enabled"):
            dynamodb.update_continuous_backups(
                TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
            )
        return {"id": name, "name": name, "arn": table["TableArn"]}

    def _role(self, args: pulumi.runtime.MockResourceArgs, name: str) -> dict[str, Any]:
        role = self.aws.client("iam").create_role(
            RoleName=name,
            AssumeRolePolicyDocument=args.inputs["assumeRolePolicy"],
            Description=args.inputs.get("description", ""),
            Tags=_tag_list(_tags(args)),
        )["Role"]
        return {"id": name, "name": name, "arn": role["Arn"], "uniqueId": role["RoleId"]}

    def _role_policy(self, args: pulumi.runtime.MockResourceArgs, name: str) -> dict[str, Any]:
        role = args.inputs["role"]
        self.aws.client("iam").put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=args.inputs["policy"])
        return {"id": f"{role}:{name}", "name": name}

    def _log_group(self, args: pulumi.runtime.MockResourceArgs, name: str) -> dict[str, Any]:
        logs = self.aws.client("logs")
        logs.create_log_group(logGroupName=name, tags=_tags(args))
        if args.inputs.get("retentionInDays"):
            logs.put_retention_policy(logGroupName=name, retentionInDays=int(args.inputs["retentionInDays"]))
        # Pulumi reports the group's ARN without the trailing ":*" that DescribeLogGroups shows.
        return {"id": name, "name": name, "arn": f"arn:aws:logs:{self.aws.region}:{ACCOUNT_ID}:log-group:{name}"}

    def _function(self, args: pulumi.runtime.MockResourceArgs, name: str) -> dict[str, Any]:
        inputs = args.inputs
        archive = Path(inputs["code"].path)
        environment = dict((inputs.get("environment") or {}).get("variables") or {})
        created = self.aws.client("lambda").create_function(
            FunctionName=name,
            Runtime=inputs["runtime"],
            Role=inputs["role"],
            Handler=inputs["handler"],
            Code={"ZipFile": archive.read_bytes()},
            Timeout=int(inputs.get("timeout", 3)),
            MemorySize=int(inputs.get("memorySize", 128)),
            Environment={"Variables": environment},
            TracingConfig={"Mode": (inputs.get("tracingConfig") or {}).get("mode", "PassThrough")},
            Architectures=list(inputs.get("architectures") or ["x86_64"]),
            Tags=_tags(args),
        )
        role_arn = inputs["role"]
        spec = FunctionSpec(
            logical_name=args.name,
            function_name=name,
            arn=created["FunctionArn"],
            archive_path=archive,
            handler=inputs["handler"],
            environment=environment,
            timeout_seconds=float(inputs.get("timeout", 3)),
            memory_mb=int(inputs.get("memorySize", 128)),
            region=self.aws.region,
            runtime=str(inputs["runtime"]),
            architecture=str((inputs.get("architectures") or ["x86_64"])[0]),
            endpoint_url=self.aws.endpoint_url,
            credentials=lambda: self.aws.role_credentials(role_arn),
            pool_size=self.lambda_pool_size,
        )
        self.runtime.register(spec)
        with self._lock:
            self.functions[args.name] = spec
        function_path = f"2015-03-31/functions/{created['FunctionArn']}/invocations"
        return {
            "id": name,
            "name": name,
            "arn": created["FunctionArn"],
            "qualifiedArn": f"{created['FunctionArn']}:$LATEST",
            "invokeArn": f"arn:aws:apigateway:{self.aws.region}:lambda:path/{function_path}",
            "version": "$LATEST",
        }

    def _state_machine(self, args: pulumi.runtime.MockResourceArgs, name: str) -> dict[str, Any]:
        inputs = args.inputs
        definition = inputs["definition"]
        json.loads(definition)  # a definition that is not JSON fails here, naming the resource below
        logging = inputs.get("loggingConfiguration") or {}
        created = self.aws.client("stepfunctions").create_state_machine(
            name=name,
            definition=definition,
            roleArn=inputs["roleArn"],
            type=inputs.get("type", "STANDARD"),
            loggingConfiguration={
                "level": logging.get("level", "OFF"),
                "includeExecutionData": bool(logging.get("includeExecutionData", False)),
                "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": logging["logDestination"]}}]
                if logging.get("logDestination")
                else [],
            },
            tracingConfiguration={"enabled": bool((inputs.get("tracingConfiguration") or {}).get("enabled"))},
            tags=_tag_list(_tags(args), "key", "value"),
        )
        arn = created["stateMachineArn"]
        return {"id": arn, "arn": arn, "name": name, "status": "ACTIVE"}

    # S3
    def _bucket(self, args: pulumi.runtime.MockResourceArgs, name: str) -> dict[str, Any]:
        s3, region = self.aws.client("s3"), self.aws.region
        # S3 wants the location constraint for any region but us-east-1, whose buckets have none
        location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        s3.create_bucket(Bucket=name, **location)
        if _tags(args):
            s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": _tag_list(_tags(args))})
        return {
            "id": name,
            "bucket": name,
            "arn": f"arn:aws:s3:::{name}",
            "bucketDomainName": f"{name}.s3.amazonaws.com",
            "bucketRegionalDomainName": f"{name}.s3.{region}.amazonaws.com",
            "region": region,
        }

    def _bucket_public_access_block(self, args: pulumi.runtime.MockResourceArgs, name: str) -> dict[str, Any]:
        inputs = args.inputs
        self.aws.client("s3").put_public_access_block(
            Bucket=inputs["bucket"],
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": bool(inputs.get("blockPublicAcls")),
                "IgnorePublicAcls": bool(inputs.get("ignorePublicAcls")),
                "BlockPublicPolicy": bool(inputs.get("blockPublicPolicy")),
                "RestrictPublicBuckets": bool(inputs.get("restrictPublicBuckets")),
            },
        )
        return {"id": inputs["bucket"]}

    def _bucket_ownership_controls(self, args: pulumi.runtime.MockResourceArgs, name: str) -> dict[str, Any]:
        bucket, rule = args.inputs["bucket"], args.inputs["rule"]
        self.aws.client("s3").put_bucket_ownership_controls(
            Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": rule["objectOwnership"]}]}
        )
        return {"id": bucket}

    def _bucket_encryption(self, args: pulumi.runtime.MockResourceArgs, name: str) -> dict[str, Any]:
        bucket = args.inputs["bucket"]
        rules = [
            {
                "ApplyServerSideEncryptionByDefault": {
                    "SSEAlgorithm": rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"]
                },
                "BucketKeyEnabled": bool(rule.get("bucketKeyEnabled")),
            }
            for rule in args.inputs["rules"]
        ]
        self.aws.client("s3").put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": rules})
        return {"id": bucket}

    def _bucket_lifecycle(self, args: pulumi.runtime.MockResourceArgs, name: str) -> dict[str, Any]:
        bucket = args.inputs["bucket"]
        rules = []
        for rule in args.inputs["rules"]:
            converted: dict[str, Any] = {
                "ID": rule["id"],
                "Status": rule["status"],
                "Filter": {"Prefix": (rule.get("filter") or {}).get("prefix", "")},
            }
            if rule.get("transitions"):
                converted["Transitions"] = [
                    {"Days": int(t["days"]), "StorageClass": t["storageClass"]} for t in rule["transitions"]
                ]
            if rule.get("abortIncompleteMultipartUpload"):
                days = int(rule["abortIncompleteMultipartUpload"]["daysAfterInitiation"])
                converted["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": days}
            rules.append(converted)
        self.aws.client("s3").put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules})
        return {"id": bucket}

    def _bucket_policy(self, args: pulumi.runtime.MockResourceArgs, name: str) -> dict[str, Any]:
        bucket = args.inputs["bucket"]
        self.aws.client("s3").put_bucket_policy(Bucket=bucket, Policy=args.inputs["policy"])
        return {"id": bucket}

    # API Gateway v2 (HTTP APIs): created in moto; tools/sandbox/gateway.py serves their routes on 127.0.0.1.
    def _http_api(self, args: pulumi.runtime.MockResourceArgs, name: str) -> dict[str, Any]:
        api = self.aws.client("apigatewayv2").create_api(
            Name=name, ProtocolType=args.inputs["protocolType"], Tags=_tags(args)
        )
        api_id = api["ApiId"]
        return {
            "id": api_id,
            "name": name,
            "apiEndpoint": self.gateway_url.rstrip("/"),
            "arn": f"arn:aws:apigateway:{self.aws.region}::/apis/{api_id}",
            "executionArn": f"arn:aws:execute-api:{self.aws.region}:{ACCOUNT_ID}:{api_id}",
        }

    def _http_integration(self, args: pulumi.runtime.MockResourceArgs, name: str) -> dict[str, Any]:
        inputs = args.inputs
        integration = self.aws.client("apigatewayv2").create_integration(
            ApiId=inputs["apiId"],
            IntegrationType=inputs["integrationType"],
            IntegrationSubtype=inputs.get("integrationSubtype", ""),
            CredentialsArn=inputs.get("credentialsArn", ""),
            RequestParameters=dict(inputs.get("requestParameters") or {}),
            PayloadFormatVersion=inputs.get("payloadFormatVersion", "1.0"),
            TimeoutInMillis=int(inputs.get("timeoutMilliseconds", 30_000)),
        )
        return {"id": integration["IntegrationId"]}

    def _http_route(self, args: pulumi.runtime.MockResourceArgs, name: str) -> dict[str, Any]:
        inputs = args.inputs
        route = self.aws.client("apigatewayv2").create_route(
            ApiId=inputs["apiId"],
            RouteKey=inputs["routeKey"],
            AuthorizationType=inputs.get("authorizationType", "NONE"),
            Target=inputs.get("target", ""),
        )
        return {"id": route["RouteId"]}

    def _http_stage(self, args: pulumi.runtime.MockResourceArgs, name: str) -> dict[str, Any]:
        inputs = args.inputs
        settings = inputs.get("defaultRouteSettings") or {}
        stage_name = inputs.get("name", "$default")
        self.aws.client("apigatewayv2").create_stage(
            ApiId=inputs["apiId"],
            StageName=stage_name,
            AutoDeploy=bool(inputs.get("autoDeploy")),
            DefaultRouteSettings={
                "ThrottlingBurstLimit": int(settings.get("throttlingBurstLimit", 0)),
                "ThrottlingRateLimit": float(settings.get("throttlingRateLimit", 0)),
            },
            AccessLogSettings={
                "DestinationArn": (inputs.get("accessLogSettings") or {}).get("destinationArn", ""),
                "Format": (inputs.get("accessLogSettings") or {}).get("format", ""),
            },
            Tags=_tags(args),
        )
        path = "" if stage_name == "$default" else f"{stage_name}/"
        return {"id": stage_name, "name": stage_name, "invokeUrl": f"{self.gateway_url.rstrip('/')}/{path}"}

    # SQS
    def _queue(self, args: pulumi.runtime.MockResourceArgs, name: str) -> dict[str, Any]:
        inputs = args.inputs
        if inputs.get("fifoQueue") and not name.endswith(".fifo"):
            name += ".fifo"  # pulumi-aws auto-names a FIFO queue with the suffix SQS requires
        attributes = {
            attribute: _sqs_attribute(inputs[key])
            for key, attribute in SQS_QUEUE_ATTRIBUTES.items()
            if inputs.get(key) not in (None, "")
        }
        sqs = self.aws.client("sqs")
        url = sqs.create_queue(QueueName=name, Attributes=attributes, tags=_tags(args))["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        # Pulumi's `id` of a queue is its URL.
        return {"id": url, "url": url, "arn": arn, "name": name}

    def _queue_policy(self, args: pulumi.runtime.MockResourceArgs, name: str) -> dict[str, Any]:
        # Stored on the queue as in AWS; moto evaluates identity policies only, so a Deny here is not enforced.
        url = args.inputs["queueUrl"]
        self.aws.client("sqs").set_queue_attributes(QueueUrl=url, Attributes={"Policy": args.inputs["policy"]})
        return {"id": url}
