"""Start an image download through the ImageDownloader's HTTP API, signed with SigV4 when the API uses IAM auth.

A large request (`--paths-file`, or listed paths over Step Functions' 256 KiB execution input) goes up to the
images bucket under `requests/` with the caller's own credentials, and the API is sent a small body naming it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import boto3
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.exceptions import BotoCoreError, ClientError

USAGE_ERROR = 2
#: Step Functions refuses an execution input over 256 KiB (StartExecution, `input`: "Max size 256 KiB").
EXECUTION_INPUT_LIMIT = 256 * 1024
REQUESTS_PREFIX = "requests/"
#: The request file formats the workflow reads, by extension.
FILE_FORMATS = (".csv", ".jsonl", ".json")


class StartError(ValueError):
    """The request could not be built or the API refused it; the message says why."""


def request_body(args: argparse.Namespace) -> dict[str, Any]:
    """`--file` (a JSON object as in examples/), `--base-url` with `--paths` or `--paths-file`, plus
    `--lambda-concur`. A paths file is named by `resourcesFile` once uploaded (see `upload_paths`)."""
    if args.paths_file:
        if not args.base_url:
            raise StartError("--paths-file needs --base-url")
        body: dict[str, Any] = {"baseUrl": args.base_url, "resourcesFile": upload_paths(args, Path(args.paths_file))}
    elif args.file:
        try:
            body = json.loads(Path(args.file).read_text())
        except (OSError, ValueError) as error:
            raise StartError(f"--file {args.file}: {error}") from None
        if not isinstance(body, dict):
            raise StartError(f"--file {args.file}: expected a JSON object with baseUrl and resourcePaths")
    else:
        if not args.base_url or not args.paths:
            raise StartError("give --file, or --base-url with --paths")
        body = {"baseUrl": args.base_url, "resourcePaths": list(args.paths)}
    if args.lambda_concur is not None:
        body["lambdaConcur"] = args.lambda_concur
    if "resourcePaths" in body and len(json.dumps(body).encode()) > EXECUTION_INPUT_LIMIT:
        print(
            f"start_download: {len(body['resourcePaths'])} paths make a request over Step Functions' 256 KiB "
            "execution input; uploading them as a request file instead",
            file=sys.stderr,
        )
        paths = body.pop("resourcePaths")
        body["resourcesFile"] = upload_text(args, "paths.jsonl", "".join(json.dumps(p) + "\n" for p in paths).encode())
    return body


def _s3(args: argparse.Namespace) -> Any:
    session = boto3.Session(profile_name=args.profile, region_name=args.region)
    return session.client("s3", endpoint_url=args.endpoint_url)


def upload_text(args: argparse.Namespace, name: str, data: bytes) -> str:
    """Put a request file under requests/ in `--bucket`, named by its content (a rerun overwrites it); its key."""
    if not args.bucket:
        raise StartError("a request file goes to the images bucket: give --bucket (the imagesBucketName output)")
    key = f"{REQUESTS_PREFIX}{hashlib.sha256(data).hexdigest()[:16]}-{name}"
    try:
        _s3(args).put_object(Bucket=args.bucket, Key=key, Body=data, ServerSideEncryption="AES256")
    except (BotoCoreError, ClientError) as error:
        raise StartError(f"could not upload the request file to s3://{args.bucket}/{key}: {error}") from None
    return key


def upload_paths(args: argparse.Namespace, path: Path) -> str:
    """`--paths-file`: one path per line as CSV with a `path` header (.csv), JSON lines (.jsonl) or a JSON array
    (.json); the workflow checks every line before it downloads anything."""
    if path.suffix not in FILE_FORMATS:
        raise StartError(f"--paths-file {path}: name it .csv (a `path` header), .jsonl or .json")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise StartError(f"--paths-file {path}: {error}") from None
    return upload_text(args, path.name, data)


def signed_headers(url: str, data: bytes, session: boto3.Session, region: str) -> dict[str, str]:
    """SigV4 headers for an `execute-api` request with the session's credentials."""
    credentials = session.get_credentials()
    if credentials is None:
        raise StartError("the API uses IAM auth but no AWS credentials were found (profile, environment or --no-sign)")
    request = AWSRequest(method="POST", url=url, data=data, headers={"Content-Type": "application/json"})
    SigV4Auth(credentials.get_frozen_credentials(), "execute-api", region).add_auth(request)
    return dict(request.headers.items())


def start(args: argparse.Namespace) -> str:
    """POST the request; returns the execution ARN the API answered with."""
    data = json.dumps(request_body(args)).encode()
    headers = {"Content-Type": "application/json"}
    if not args.no_sign:
        session = boto3.Session(profile_name=args.profile, region_name=args.region)
        headers = signed_headers(args.api_url, data, session, args.region or session.region_name or "us-east-1")
    try:
        response = requests.post(args.api_url, data=data, headers=headers, timeout=30)
    except requests.RequestException as error:
        raise StartError(f"could not reach {args.api_url}: {error}") from None
    if response.status_code != 200:
        raise StartError(f"the API answered {response.status_code}: {response.text.strip()}")
    try:
        return str(response.json()["executionArn"])
    except (ValueError, KeyError):
        raise StartError(f"the API answered without an executionArn: {response.text.strip()}") from None


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--api-url", required=True, help="the imageDownloaderApiUrl stack output")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--file", help="a JSON request, e.g. examples/flags-success.json")
    source.add_argument("--paths", nargs="+", help="resource paths under --base-url")
    source.add_argument(
        "--paths-file", help="a file of paths under --base-url (.csv with a path header, .jsonl, .json)"
    )
    parser.add_argument("--bucket", help="the imagesBucketName output: where a request file is uploaded")
    parser.add_argument("--base-url", help="the base URL the paths are relative to")
    parser.add_argument("--lambda-concur", type=int, help="downloads at once per Lambda (1..32)")
    parser.add_argument("--region", help="AWS region of the API (default: the profile's)")
    parser.add_argument("--profile", help="AWS profile whose credentials sign the request")
    parser.add_argument("--no-sign", action="store_true", help="for an API deployed with apiAuthorization=none")
    parser.add_argument("--watch", action="store_true", help="follow the execution until it ends (tools.watch)")
    parser.add_argument("--endpoint-url", help="the AWS endpoint (S3 uploads, --watch), e.g. the sandbox's")
    return parser.parse_args(argv)


def watch(args: argparse.Namespace, execution_arn: str) -> int:
    """Follow the started execution as `python -m tools.watch` does; 0 when it succeeded, else 1."""
    if not __package__:  # run as `python tools/start_download.py`: the project root holds `tools`
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tools.watch import follow, make_client

    try:
        client = make_client(args.region or execution_arn.split(":")[3], args.profile, args.endpoint_url)
        return 0 if follow(client, execution_arn, sys.stdout).status == "SUCCEEDED" else 1
    except (BotoCoreError, ClientError) as error:
        print(f"start_download: cannot watch {execution_arn}: {error}", file=sys.stderr)
        return USAGE_ERROR


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        execution_arn = start(args)
    except StartError as error:
        print(f"start_download: error: {error}", file=sys.stderr)
        return USAGE_ERROR
    print(execution_arn, flush=True)
    return watch(args, execution_arn) if args.watch else 0


if __name__ == "__main__":
    sys.exit(main())
