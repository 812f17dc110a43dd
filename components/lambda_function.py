"""PythonFunction: a handler package deployed as a Lambda with its own role, log group and tracing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pulumi
import pulumi_aws as aws

from . import policies
from .packaging import LambdaPlatform, build_archive
from .settings import CommonSettings


class PackageNotAPath(pulumi.RunError, TypeError):
    """`PythonFunctionArgs.package` given something else than a folder `Path`; `pulumi up` prints it as one line."""


@dataclass
class PythonFunctionArgs:
    """What to deploy: a handler folder, the handler in it, and what the function may do."""

    #: The folder to package: a team's folder anywhere on disk, or `seed_package(name)` for a seed's.
    package: Path
    #: The function's handler, as Lambda imports it: `module.function` in the folder, or
    #: `<package>.<module>.function` when the folder is that package (the seeds': `image_downloader.download.handler`).
    handler: str
    settings: CommonSettings
    description: str = ""
    environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    timeout_seconds: int = 30
    memory_mb: int = 256
    #: Extra permissions beyond writing its own logs and traces.
    statements: pulumi.Input[list[policies.Statement]] | None = None
    #: A pinned requirements file; default: the folder's own requirements.txt, if any.
    requirements: Path | None = None

    def __post_init__(self) -> None:
        # A str was once a seed's name; a team's path given as a str would be misread, so only a Path is taken.
        if not isinstance(self.package, Path):
            raise PackageNotAPath(
                f"PythonFunctionArgs.package: expected a folder Path, got {type(self.package).__name__} "
                f"{self.package!r}; pass Path({str(self.package)!r}) for a folder, or packaging.seed_package(name) "
                "for a seed handler package"
            )


class PythonFunction(pulumi.ComponentResource):
    """A Lambda function whose role may only write its own log group and traces, plus what it is given."""

    function: aws.lambda_.Function
    role: aws.iam.Role
    log_group: aws.cloudwatch.LogGroup
    arn: pulumi.Output[str]
    name: pulumi.Output[str]

    def __init__(self, name: str, args: PythonFunctionArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("sfn-patterns:index:PythonFunction", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        platform = LambdaPlatform(runtime=args.settings.lambda_runtime, architecture=args.settings.lambda_architecture)
        archive = build_archive(args.package, args.handler, platform, requirements=args.requirements)

        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=f"/aws/lambda/{pulumi.get_project()}-{pulumi.get_stack()}-{name}",
            retention_in_days=args.settings.log_retention_days,
            opts=child,
        )
        self.role = aws.iam.Role(
            f"{name}-role",
            assume_role_policy=policies.assume_role_policy("lambda.amazonaws.com"),
            description=f"Lambda {name}: its own logs and traces only, plus its task's permissions",
            opts=child,
        )
        extra = pulumi.Output.from_input(args.statements or [])
        policy = pulumi.Output.all(self.log_group.arn, extra).apply(
            lambda values: policies.document(
                [
                    policies.allow(
                        "OwnLogGroup",
                        ["logs:CreateLogStream", "logs:PutLogEvents"],
                        [policies.log_stream_arn(values[0])],
                    ),
                    policies.allow("Tracing", policies.XRAY_ACTIONS, ["*"]),
                    *values[1],
                ]
            )
        )
        role_policy = aws.iam.RolePolicy(f"{name}-policy", role=self.role.id, policy=policy, opts=child)
        self.function = aws.lambda_.Function(
            f"{name}-function",
            description=args.description or f"sfn-patterns {name}",
            code=pulumi.FileArchive(str(archive)),
            handler=args.handler,
            runtime=platform.runtime,
            architectures=[platform.architecture],
            role=self.role.arn,
            timeout=args.timeout_seconds,
            memory_size=args.memory_mb,
            environment={"variables": dict(args.environment)} if args.environment else None,
            tracing_config={"mode": "Active"},
            logging_config={"log_format": "Text", "log_group": self.log_group.name},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[role_policy, self.log_group]),
        )
        self.arn = self.function.arn
        self.name = self.function.name
        self.register_outputs({"arn": self.arn, "name": self.name})
