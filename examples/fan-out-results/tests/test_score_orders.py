"""The team's fan-out in the sandbox: each order scored by the team's own Lambda into the team's own table."""

import pytest
from botocore.exceptions import ClientError
from sfn_patterns.sandbox.faults import Fault
from sfn_patterns.sandbox.plugin import DeployedProgram

ORDERS = [{"orderId": f"o-{n}", "amount": n * 7} for n in range(1, 7)]
SCORE_FUNCTION = "score-orders-item-function"  # the MapFanOut's name + "-item-function"


@pytest.fixture(autouse=True)
def no_scores_yet(sfn_sandbox: DeployedProgram) -> None:
    """The program is deployed once for the session; each test starts with its tables, buckets and queues empty."""
    sfn_sandbox.empty()


def scores(sfn_sandbox: DeployedProgram) -> dict[str, int]:
    rows = sfn_sandbox.client("dynamodb").scan(TableName=sfn_sandbox.outputs["resultsTableName"])["Items"]
    return {row["orderId"]["S"]: int(row["score"]["N"]) for row in rows}


def test_each_order_is_scored_into_the_results_table(sfn_sandbox: DeployedProgram) -> None:
    result = sfn_sandbox.execute("stateMachineArn", {"orders": ORDERS})
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert [row["orderId"] for row in result.output["results"]] == [order["orderId"] for order in ORDERS]
    assert scores(sfn_sandbox) == {order["orderId"]: min(100, order["amount"] // 10) for order in ORDERS}
    assert sorted(call.event["orderId"] for call in result.invocations) == [order["orderId"] for order in ORDERS]
    assert result.history[-1]["type"] == "ExecutionSucceeded" and result.transitions > len(ORDERS)


def test_a_bad_order_fails_the_execution_naming_it_and_the_other_is_scored(sfn_sandbox: DeployedProgram) -> None:
    result = sfn_sandbox.execute("stateMachineArn", {"orders": [{"orderId": "o-x", "amount": "ten"}, ORDERS[2]]})
    assert (result.status, result.error) == ("FAILED", "ItemsFailed")
    assert '"error":"InvalidOrder"' in result.cause and "amount: expected a number >= 0, got 'ten'" in result.cause
    assert scores(sfn_sandbox) == {"o-3": 2}


def test_an_input_without_the_orders_fails_with_invalid_input_naming_the_path(sfn_sandbox: DeployedProgram) -> None:
    result = sfn_sandbox.execute("stateMachineArn", {"order": []})
    assert (result.status, result.error) == ("FAILED", "InvalidInput")
    assert result.cause == "$.orders: the execution input has no list of items there"
    assert result.invocations == []


def test_a_failing_scoring_call_fails_the_execution_until_the_fault_is_cleared(sfn_sandbox: DeployedProgram) -> None:
    sfn_sandbox.inject(Fault.error(SCORE_FUNCTION, "ScoringUnavailable", times=1))
    try:
        failed = sfn_sandbox.execute("stateMachineArn", {"orders": ORDERS[:1]})
        assert (failed.status, failed.error) == ("FAILED", "ItemsFailed") and "ScoringUnavailable" in failed.cause
        assert [hit.target for hit in sfn_sandbox.faults_fired()][-1:] == [SCORE_FUNCTION]
    finally:
        sfn_sandbox.clear_faults()
    assert sfn_sandbox.execute("stateMachineArn", {"orders": ORDERS[:1]}).status == "SUCCEEDED"


def test_the_scoring_lambda_may_write_scores_and_nothing_else(sfn_sandbox: DeployedProgram) -> None:
    dynamodb = sfn_sandbox.function_client(SCORE_FUNCTION, "dynamodb")
    table = sfn_sandbox.outputs["resultsTableName"]
    dynamodb.put_item(TableName=table, Item={"orderId": {"S": "by-hand"}, "score": {"N": "1"}})
    with pytest.raises(ClientError, match="not authorized to perform: dynamodb:DeleteItem"):
        dynamodb.delete_item(TableName=table, Key={"orderId": {"S": "by-hand"}})
