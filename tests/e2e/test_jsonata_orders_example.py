"""examples/jsonata-orders: a team's own JSONata state machine with Variables, deployed in the sandbox with IAM
enforced, prices orders as AWS's JSONata and Variables pages say it would."""

from __future__ import annotations

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
