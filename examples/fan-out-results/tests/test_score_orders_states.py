"""One state at a time, with AWS's TestState API (answered by the sandbox as AWS answers it): the team's own
state-level tests, written for AWS, run unchanged here against the definition the program deploys.
https://docs.aws.amazon.com/step-functions/latest/dg/test-state-isolation.html"""

import json

from sfn_patterns.sandbox.plugin import DeployedProgram

ORDER = {"orderId": "o-7", "amount": 70}


def test_an_input_with_orders_goes_on_to_process_them_and_one_without_is_refused(
    sfn_sandbox: DeployedProgram,
) -> None:
    given = sfn_sandbox.test_state("stateMachineArn", "ItemsGiven?", {"orders": [ORDER]})
    missing = sfn_sandbox.test_state("stateMachineArn", "ItemsGiven?", {"order": []})
    assert (given["status"], given["nextState"]) == ("SUCCEEDED", "ProcessItems")
    assert (missing["status"], missing["nextState"]) == ("SUCCEEDED", "InvalidInput")


def test_a_mocked_scoring_result_is_the_items_output_and_runs_no_lambda(sfn_sandbox: DeployedProgram) -> None:
    sfn_sandbox.empty()
    mocked = sfn_sandbox.test_state(
        "stateMachineArn",
        "RunItem",
        {"index": 0, "item": ORDER},
        mock={"result": {"StatusCode": 200, "Payload": {"orderId": "o-7", "score": 99}}},
    )
    assert mocked["status"] == "SUCCEEDED" and json.loads(mocked["output"]) == {"orderId": "o-7", "score": 99}
    rows = sfn_sandbox.client("dynamodb").scan(TableName=sfn_sandbox.outputs["resultsTableName"])["Items"]
    assert rows == [], "a mocked task calls nothing"


def test_the_real_scoring_lambda_scores_one_item_and_a_mocked_error_is_caught_as_that_items_failure(
    sfn_sandbox: DeployedProgram,
) -> None:
    real = sfn_sandbox.test_state("stateMachineArn", "RunItem", {"index": 0, "item": ORDER})
    assert real["status"] == "SUCCEEDED", (real.get("error"), real.get("cause"))
    rows = sfn_sandbox.client("dynamodb").scan(TableName=sfn_sandbox.outputs["resultsTableName"])["Items"]
    assert [(row["orderId"]["S"], row["score"]["N"]) for row in rows if row["orderId"]["S"] == "o-7"] == [("o-7", "7")]
    failed = sfn_sandbox.test_state(
        "stateMachineArn",
        "RunItem",
        {"index": 0, "item": ORDER},
        mock={"errorOutput": {"error": "ScoringUnavailable", "cause": "the model is down"}},
    )
    assert (failed["status"], failed["nextState"]) == ("CAUGHT_ERROR", "ItemFailed")
