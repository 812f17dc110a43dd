"""ImageDownloader: batches of images downloaded concurrently into a private bucket, recorded, failures notified."""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the args and outputs as types.
import json

import pulumi
import pulumi_aws as aws

from .. import policies
from ..lambda_function import PythonFunction, PythonFunctionArgs
from ..packaging import seed_package
from ..settings import CommonSettings
from ..stateful import data_options, data_table
from ..workflow_component import WorkflowComponent
from .args import ImageDownloaderArgs, ImageDownloaderSettings
from .definition import BATCHES_PREFIX, FAILURES_PREFIX, REQUESTS_PREFIX, RESULTS_PREFIX, ROUTE_KEY, definition


class ImageDownloader(WorkflowComponent):
    """The seed's concurrent image downloader, private and encrypted, started through an IAM-authorized HTTP API."""

    state_machine_arn: pulumi.Output[str]
    """The state machine's ARN."""
    api_url: pulumi.Output[str]
    """The HTTP API's `POST /downloads` URL."""
    bucket_name: pulumi.Output[str]
    """The private bucket the images are stored in."""
    url_table_name: pulumi.Output[str]
    """The table of url -> object key rows."""
    failures_topic_arn: pulumi.Output[str]
    """The encrypted SNS topic failed downloads are published to."""

    _longest_part = "consolidate"
    _lowercase_names = True  # its bucket is named after it

    def __init__(self, name: str, args: ImageDownloaderArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        check = self._checker(name, args)
        common = check.common()
        settings = check.settings(ImageDownloaderSettings)
        child = self._open(name, check, opts)
        self.bucket = self._private_bucket(name, settings, child, data_options(self, common))
        self.url_table = data_table(f"{name}-url-table", self, common, hash_key="url")
        self.failures_topic = aws.sns.Topic(f"{name}-failures", kms_master_key_id="alias/aws/sns", opts=child)
        if settings.notification_email:
            aws.sns.TopicSubscription(
                f"{name}-failures-email",
                topic=self.failures_topic.arn,
                protocol="email",
                endpoint=settings.notification_email,
                opts=child,
            )
        functions = self._functions(name, settings, common, child)
        batch, download, consolidate = functions
        definition_json = pulumi.Output.all(
            batch.arn, download.arn, consolidate.arn, self.bucket.bucket, self.failures_topic.arn
        ).apply(
            lambda a: json.dumps(
                definition(
                    batch_fn_arn=a[0], download_fn_arn=a[1], consolidate_fn_arn=a[2], bucket_name=a[3],
                    topic_arn=a[4], settings=settings,
                )
            )
        )  # fmt: skip
        statements = pulumi.Output.all(
            self.bucket.arn, self.failures_topic.arn, batch.arn, download.arn, consolidate.arn
        ).apply(
            lambda a: [
                policies.invoke_functions(list(a[2:])),
                policies.allow("NotifyFailures", ["sns:Publish"], [a[1]]),
                policies.allow("ReadBatches", ["s3:GetObject"], [f"{a[0]}/{BATCHES_PREFIX}*"]),
                policies.allow(
                    "WriteResults",
                    ["s3:PutObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"],
                    [f"{a[0]}/{RESULTS_PREFIX}*"],
                ),
            ]
        )
        self._state_machine(
            name, check, common, definition_json, statements, self_statements=_distributed_map_statements
        )
        self.api, self.api_url = self._http_api(name, settings, common, child)
        self.bucket_name = self.bucket.bucket
        self.url_table_name = self.url_table.name
        self.failures_topic_arn = self.failures_topic.arn
        self.register_outputs(
            {
                "stateMachineArn": self.state_machine_arn,
                "apiUrl": self.api_url,
                "bucketName": self.bucket_name,
                "urlTableName": self.url_table_name,
                "failuresTopicArn": self.failures_topic_arn,
            }
        )

    @staticmethod
    def _private_bucket(
        name: str, settings: ImageDownloaderSettings, child: pulumi.ResourceOptions, data: pulumi.ResourceOptions
    ) -> aws.s3.Bucket:
        bucket = aws.s3.Bucket(f"{name}-images", force_destroy=False, opts=data)
        aws.s3.BucketPublicAccessBlock(
            f"{name}-images-public-access",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        aws.s3.BucketOwnershipControls(
            f"{name}-images-ownership", bucket=bucket.id, rule={"object_ownership": "BucketOwnerEnforced"}, opts=child
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-images-encryption",
            bucket=bucket.id,
            rules=[
                {"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}, "bucket_key_enabled": True}
            ],
            opts=child,
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-images-lifecycle",
            bucket=bucket.id,
            rules=[
                {
                    "id": "images-to-glacier-instant-retrieval",
                    "status": "Enabled",
                    "filter": {"prefix": ""},
                    "transitions": [{"days": settings.transition_days, "storage_class": "GLACIER_IR"}],
                },
                {
                    "id": "abort-incomplete-multipart-uploads",
                    "status": "Enabled",
                    "filter": {"prefix": ""},
                    "abort_incomplete_multipart_upload": {"days_after_initiation": 1},
                },
            ],
            opts=child,
        )
        aws.s3.BucketPolicy(
            f"{name}-images-tls-only",
            bucket=bucket.id,
            policy=bucket.arn.apply(
                lambda arn: json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Sid": "DenyInsecureTransport",
                                "Effect": "Deny",
                                "Principal": "*",
                                "Action": "s3:*",
                                "Resource": [arn, f"{arn}/*"],
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        ],
                    }
                )
            ),
            opts=child,
        )
        return bucket

    def _functions(
        self, name: str, settings: ImageDownloaderSettings, common: CommonSettings, child: pulumi.ResourceOptions
    ) -> tuple[PythonFunction, PythonFunction, PythonFunction]:
        environment: dict[str, pulumi.Input[str]] = {
            "IMAGES_BUCKET": self.bucket.bucket,
            "URL_TABLE": self.url_table.name,
            "ALLOW_INSECURE_HTTP": str(settings.allow_insecure_http).lower(),
            "ALLOWED_HOSTS": ",".join(settings.allowed_hosts),
            "ALLOW_PRIVATE_HOSTS": str(settings.allow_private_hosts).lower(),
            "MAX_RESOURCES": str(settings.max_resources),
            "BATCH_SIZE": str(settings.batch_size),
            "INLINE_LIMIT": str(settings.inline_limit),
            "MAP_MODE": settings.map_mode,
            "MAX_IMAGE_BYTES": str(settings.max_image_bytes),
            # Batches end by the execution's deadline (less the report's time), so it ends in its own words.
            "EXECUTION_TIMEOUT_SECONDS": str(settings.execution_timeout_seconds),
        }
        batch = PythonFunction(
            f"{name}-batch",
            PythonFunctionArgs(
                package=seed_package("image_downloader"), handler="image_downloader.batch.handler", settings=common,
                environment=environment,
                description="Validates the request and splits the paths into batches",
                statements=self.bucket.arn.apply(
                    lambda arn: [
                        # Large batches objects go up in parts; an upload that fails is aborted.
                        policies.allow(
                            "WriteBatches", ["s3:PutObject", "s3:AbortMultipartUpload"], [f"{arn}/{BATCHES_PREFIX}*"]
                        ),
                        policies.allow("ReadRequestFiles", ["s3:GetObject"], [f"{arn}/{REQUESTS_PREFIX}*"]),
                    ]
                ),
            ),
            opts=child,
        )  # fmt: skip
        download = PythonFunction(
            f"{name}-download",
            PythonFunctionArgs(
                package=seed_package("image_downloader"), handler="image_downloader.download.handler", settings=common,
                environment=environment, timeout_seconds=settings.download_timeout_seconds,
                memory_mb=settings.download_memory_mb,
                description="Downloads one batch of images concurrently into the bucket and records them",
                statements=pulumi.Output.all(self.bucket.arn, self.url_table.arn).apply(
                    lambda a: [
                        # Images over 8 MB go up in parts; a TooLarge download aborts its upload.
                        policies.allow("StoreImages", ["s3:PutObject", "s3:AbortMultipartUpload"], [f"{a[0]}/*"]),
                        # A rerun reads which images are recorded (stored) already, and fetches only the rest.
                        policies.allow("RecordImages", ["dynamodb:BatchGetItem", "dynamodb:BatchWriteItem"], [a[1]]),
                    ]
                ),
            ),
            opts=child,
        )  # fmt: skip
        consolidate = PythonFunction(
            f"{name}-consolidate",
            PythonFunctionArgs(
                package=seed_package("image_downloader"), handler="image_downloader.consolidate.handler",
                settings=common, environment=environment, timeout_seconds=300,
                description="Adds up the batches' results and writes the failure message",
                statements=self.bucket.arn.apply(
                    lambda arn: [
                        policies.allow("ReadResults", ["s3:GetObject"], [f"{arn}/{RESULTS_PREFIX}*"]),
                        # Too many failures for one notification: the full list goes to failures/<execution>.jsonl.
                        policies.allow("WriteFailures", ["s3:PutObject"], [f"{arn}/{FAILURES_PREFIX}*"]),
                    ]
                ),
            ),
            opts=child,
        )  # fmt: skip
        return batch, download, consolidate

    def _http_api(
        self, name: str, settings: ImageDownloaderSettings, common: CommonSettings, child: pulumi.ResourceOptions
    ) -> tuple[aws.apigatewayv2.Api, pulumi.Output[str]]:
        api = aws.apigatewayv2.Api(f"{name}-api", protocol_type="HTTP", opts=child)
        role = aws.iam.Role(
            f"{name}-api-role",
            assume_role_policy=policies.assume_role_policy("apigateway.amazonaws.com"),
            description=f"HTTP API of {name}: may start executions of this state machine only",
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-api-policy",
            role=role.id,
            policy=self.state_machine.arn.apply(
                lambda arn: policies.document([policies.allow("StartDownloads", ["states:StartExecution"], [arn])])
            ),
            opts=child,
        )
        integration = aws.apigatewayv2.Integration(
            f"{name}-integration",
            api_id=api.id,
            integration_type="AWS_PROXY",
            integration_subtype="StepFunctions-StartExecution",
            credentials_arn=role.arn,
            request_parameters={"Input": "$request.body", "StateMachineArn": self.state_machine.arn},
            payload_format_version="1.0",
            timeout_milliseconds=10_000,
            opts=child,
        )
        aws.apigatewayv2.Route(
            f"{name}-route",
            api_id=api.id,
            route_key=ROUTE_KEY,
            authorization_type="AWS_IAM" if settings.api_authorization == "iam" else "NONE",
            target=integration.id.apply(lambda integration_id: f"integrations/{integration_id}"),
            opts=child,
        )
        access_logs = aws.cloudwatch.LogGroup(
            f"{name}-api-access-logs",
            name=f"/aws/vendedlogs/apigateway/{pulumi.get_project()}-{pulumi.get_stack()}-{name}",
            retention_in_days=common.log_retention_days,
            opts=child,
        )
        stage = aws.apigatewayv2.Stage(
            f"{name}-stage",
            api_id=api.id,
            name="$default",
            auto_deploy=True,
            default_route_settings={
                "throttling_burst_limit": settings.api_burst_limit,
                "throttling_rate_limit": settings.api_rate_limit,
            },
            access_log_settings={
                "destination_arn": access_logs.arn,
                "format": json.dumps(
                    {
                        "requestId": "$context.requestId",
                        "ip": "$context.identity.sourceIp",
                        "caller": "$context.identity.caller",
                        "routeKey": "$context.routeKey",
                        "status": "$context.status",
                        "integrationError": "$context.integrationErrorMessage",
                    }
                ),
            },
            opts=child,
        )
        url = pulumi.Output.all(stage.invoke_url).apply(lambda a: f"{str(a[0]).rstrip('/')}/downloads")
        return api, url


def _distributed_map_statements(state_machine_arn: str) -> list[policies.Statement]:
    """A Distributed Map runs its iterations as child executions of the state machine itself."""
    name = state_machine_arn.split(":")[-1]
    # Child execution ARNs are `execution:<name>/<map run label>:<id>` (Step Functions Distributed Map IAM docs).
    executions = state_machine_arn.replace(":stateMachine:", ":execution:").rsplit(":", 1)[0] + f":{name}/*:*"
    return [
        policies.allow("StartChildExecutions", ["states:StartExecution"], [state_machine_arn]),
        policies.allow("ManageChildExecutions", ["states:DescribeExecution", "states:StopExecution"], [executions]),
    ]
