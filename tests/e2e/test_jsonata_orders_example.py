"""examples/jsonata-orders: a team's own JSONata state machine with Variables, deployed in the sandbox with IAM
enforced, prices orders as AWS's JSONata and Variables pages say it would."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tools.program import PROJECT_ROOT
from tools.sandbox.session import Sandbox

pytestmark = pytest.mark.e2e
PROGRAM = PROJECT_ROOT / "examples" / "jsonata-orders"
LINES = [{"sku": "a", "quantity": 2, "price": 30}, {"sku": "b", "quantity": 1, "price": 45.5}]


@pytest.fixture(scope="module")
def orders() -> Iterator[Sandbox]:
    with Sandbox(program_dir=PROGRAM) as deployed:
        yield deployed


def test_a_large_order_is_totalled_discounted_and_recorded_in_the_teams_table(orders: Sandbox):
    report = orders.execute("price-orders", orders.outputs["stateMachineArn"], {"customer": "María", "lines": LINES})
    assert report.status == "SUCCEEDED", (report.error, report.cause)
    order_id = report.execution_arn.split(":")[-1]
    assert report.output == {
        "orderId": order_id,
        "customer": "María",
        "skus": ["a", "b"],
        "subtotal": 105.5,
        "discount": 10.55,
        "total": 94.95,
    }
    table = orders.outputs["pricedOrdersTableName"]
    item = orders.client("dynamodb").get_item(TableName=table, Key={"orderId": {"S": order_id}})["Item"]
    assert item == {"orderId": {"S": order_id}, "customer": {"S": "María"}, "total": {"N": "94.95"}}


def test_a_small_order_gets_no_discount(orders: Sandbox):
    report = orders.execute("price-orders", orders.outputs["stateMachineArn"], {"customer": "Li", "lines": LINES[:1]})
    assert (report.status, report.output["discount"], report.output["total"]) == ("SUCCEEDED", 0, 60)


def test_an_order_without_lines_ends_invalid_order_naming_what_was_sent(orders: Sandbox):
    report = orders.execute("price-orders", orders.outputs["stateMachineArn"], {"customer": "Li"})
    assert (report.status, report.error) == ("FAILED", "InvalidOrder")
    assert report.cause == 'an order needs a non-empty lines list, got {"customer":"Li"}'


# TestState on the deployed definition, in JSONata with variables, as AWS answers it:
# https://docs.aws.amazon.com/step-functions/latest/dg/test-state-isolation.html


def test_state_the_check_assigns_the_orders_total_as_a_variable_and_goes_on_to_the_discount(orders: Sandbox):
    response = orders.test_state(
        "stateMachineArn", "Check", {"customer": "Li", "lines": LINES}, inspection_level="DEBUG"
    )
    assert (response["status"], response["nextState"]) == ("SUCCEEDED", "Discount?")
    assert json.loads(response["inspectionData"]["variables"])["total"] == 105.5


def test_state_a_discount_is_taken_from_the_variables_given(orders: Sandbox):
    large = orders.test_state("stateMachineArn", "Discount?", {}, variables={"total": 200}, inspection_level="DEBUG")
    small = orders.test_state("stateMachineArn", "Discount?", {}, variables={"total": 20})
    assert (large["nextState"], json.loads(large["inspectionData"]["variables"])["discount"]) == ("Record", 20)
    assert small["nextState"] == "NoDiscount"


def test_state_a_mocked_put_item_records_nothing_and_outputs_the_priced_order(orders: Sandbox):
    table = orders.outputs["pricedOrdersTableName"]
    rows_before = orders.client("dynamodb").scan(TableName=table)["Count"]
    variables = {"customer": "Li", "lines": LINES[:1], "total": 60, "discount": 0}
    response = orders.test_state("stateMachineArn", "Record", {}, variables=variables, mock={"result": "{}"})
    assert response["status"] == "SUCCEEDED", (response.get("error"), response.get("cause"))
    output = json.loads(response["output"])
    # one line: JSONata gives a one-value sequence as the value itself ("a", not ["a"])
    assert (output["skus"], output["subtotal"], output["discount"], output["total"]) == ("a", 60, 0, 60)
    assert orders.client("dynamodb").scan(TableName=table)["Count"] == rows_before, "a mocked task writes nothing"
