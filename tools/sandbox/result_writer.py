"""A Distributed Map's ResultWriter as AWS writes it: the results in SUCCEEDED_0.json records, then the manifest.

moto's `ResourceEvalS3._handle_put_object` (from LocalStack's parser) writes the manifest with no result files (a TODO)
and drops the results; AWS writes each child's result as a record of `<prefix><map run id>/SUCCEEDED_0.json` and
lists that file in `manifest.json` (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .patching import Patch


def install(patch: Patch, client_for: Callable[..., Any]) -> None:
    """Write a Distributed Map's results and manifest through `client_for` (the interpreter's client)."""
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.result_writer.resource_eval import (
        resource_eval_s3,
    )

    def put_results(env: Any, resource_runtime_part: Any, state_credentials: Any) -> None:
        parameters = env.stack.pop()
        results = env.stack.pop()
        s3 = client_for(resource_runtime_part.region, "s3", state_credentials)
        map_run_arn = env.map_run_record_pool_manager.get_all().pop().map_run_arn
        prefix = parameters.get("Prefix", "")
        prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
        folder = f"{prefix}{map_run_arn.split(':')[-1]}/"
        records = [
            {
                "Name": str(index),
                "Status": "SUCCEEDED",
                "Output": json.dumps(output),
                "OutputDetails": {"Included": True},
            }
            for index, output in enumerate(results if isinstance(results, list) else [])
        ]
        files: dict[str, list[dict[str, Any]]] = {"FAILED": [], "PENDING": [], "SUCCEEDED": []}
        if records:
            body = json.dumps(records).encode()
            s3.put_object(Bucket=parameters["Bucket"], Key=f"{folder}SUCCEEDED_0.json", Body=body)
            files["SUCCEEDED"].append({"Key": f"{folder}SUCCEEDED_0.json", "Size": len(body)})
        manifest = {"DestinationBucket": parameters["Bucket"], "MapRunArn": map_run_arn, "ResultFiles": files}
        key = f"{folder}manifest.json"
        s3.put_object(Bucket=parameters["Bucket"], Key=key, Body=json.dumps(manifest).encode())
        env.stack.append(
            {"MapRunArn": map_run_arn, "ResultWriterDetails": {"Bucket": parameters["Bucket"], "Key": key}}
        )

    patch(resource_eval_s3.ResourceEvalS3, "_handle_put_object", staticmethod(put_results))
