// A TaskTracker from TypeScript, after `pulumi package add` (tests/unit/test_provider_construct.py constructs these args).
import * as sfn from "@pulumi/sfn-patterns";
const tracker = new sfn.TaskTracker("nightly", {
    workFunctionArn: reportFunction.arn,
    taskTimeoutSeconds: 7200,
    tags: { team: "ops" },
});
export const starter = tracker.starterFunctionName;
