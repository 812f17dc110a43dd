"""The task's work state alone, with AWS's TestState API (answered by the sandbox as AWS answers it): its result
kept under $.work on the way to RecordDone, and its failure caught on the way to RecordFailed.
https://docs.aws.amazon.com/step-functions/latest/dg/test-state-isolation.html"""

import json

from sfn_patterns.sandbox.plugin import DeployedProgram

RUN = {"taskId": "weekly", "timestamp": "2026-12-07T04:00:00Z"}


def test_the_works_result_is_kept_under_work_and_the_run_goes_on_to_record_done(sfn_sandbox: DeployedProgram) -> None:
    report = {"key": "reports/weekly.txt"}
    response = sfn_sandbox.test_state(
        "stateMachineArn", "Work", RUN, mock={"result": {"StatusCode": 200, "Payload": report}}
    )
    assert (response["status"], response["nextState"]) == ("SUCCEEDED", "RecordDone")
    assert json.loads(response["output"]) == {**RUN, "work": {"output": report}}


def test_a_failing_work_is_caught_with_its_error_and_the_run_goes_on_to_record_failed(
    sfn_sandbox: DeployedProgram,
) -> None:
    response = sfn_sandbox.test_state(
        "stateMachineArn",
        "Work",
        RUN,
        mock={"errorOutput": {"error": "ReportFailed", "cause": "the source is empty"}},
    )
    assert (response["status"], response["nextState"]) == ("CAUGHT_ERROR", "RecordFailed")
    assert json.loads(response["output"])["error"] == {"Error": "ReportFailed", "Cause": "the source is empty"}
