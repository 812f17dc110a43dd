"""The transition formulas the benchmark reads off definitions: the tutorial's design, ours, and the pricing."""

from __future__ import annotations

import math

import pytest

from components import image_downloader, map_fan_out
from components.config import ImageDownloaderSettings, MapFanOutSettings
from tools.bench import tutorial
from tools.bench.formula import TransitionFormula, UnboundedPath, dollars_per_million, path_formula, path_states
from tools.bench.transitions import (
    IMAGE_DOWNLOADER_UNITS,
    MAP_FAN_OUT_BRANCHES,
    MAP_FAN_OUT_UNITS,
    tutorial_per_image,
)

ARN = "arn:aws:lambda:us-east-1:123456789012:function:f"
TOPIC = "arn:aws:sns:us-east-1:123456789012:t"


def tutorial_definition(stand_ins: bool = False) -> dict:
    return tutorial.definition(
        batch_fn_arn=ARN, download_fn_arn=ARN, consolidate_fn_arn=ARN, table_name="urls", topic_arn=TOPIC,
        stand_ins=stand_ins,
    )  # fmt: skip


def downloader_definition() -> dict:
    return image_downloader.definition(
        batch_fn_arn=ARN, download_fn_arn=ARN, consolidate_fn_arn=ARN, bucket_name="images", topic_arn=TOPIC,
        settings=ImageDownloaderSettings(),
    )  # fmt: skip


def test_the_tutorial_enters_six_fixed_states_one_per_batch_and_one_put_item_per_image() -> None:
    formula = tutorial.formula(tutorial_definition())

    assert formula == TransitionFormula(6, {"batch": 1, "image": 1})
    assert formula.count(tutorial.units(10)) == 18  # 10 images in batches of 5
    assert formula.count(tutorial.units(1000)) == 6 + 200 + 1000


def test_a_failed_tutorial_run_publishes_and_fails_instead_of_passing() -> None:
    definition = tutorial_definition()

    assert path_states(definition, tutorial.FAILED)[-2:] == [
        "publishErroredTasks",
        "All resource downloads did not succeed",
    ]
    assert tutorial.formula(definition, succeeded=False).fixed == 7


def test_the_stand_in_tutorial_the_sandbox_runs_enters_the_same_states() -> None:
    assert tutorial.formula(tutorial_definition(stand_ins=True)) == tutorial.formula(tutorial_definition())


def test_the_tutorial_costs_about_one_point_two_transitions_per_image_at_scale() -> None:
    row = tutorial_per_image(1000)

    assert row["stateTransitions"] == 1206 and row["transitionsPerItem"] == pytest.approx(1.206)
    assert row["dollarsPerMillionItems"] == pytest.approx(30.15)


def test_the_image_downloader_costs_one_transition_per_inline_batch_and_two_per_distributed_batch() -> None:
    definition = downloader_definition()
    success = {"AllSucceeded": "Done"}

    inline = path_formula(definition, IMAGE_DOWNLOADER_UNITS, {**success, "ChooseMapMode": "DownloadInline"})
    distributed = path_formula(definition, IMAGE_DOWNLOADER_UNITS, {**success, "ChooseMapMode": "DownloadDistributed"})

    assert inline == TransitionFormula(6, {"batch": 1})
    assert distributed == TransitionFormula(6, {"batch": 2})  # the child execution, and its Download state
    batches = math.ceil(1000 / ImageDownloaderSettings().batch_size)
    assert distributed.count({"batch": batches}) / 1000 <= 0.1


def test_map_fan_out_enters_a_wait_and_a_lambda_per_item() -> None:
    with_wait = map_fan_out.table_definition(
        table_name="list", unmarshal_fn_arn=ARN, fn_arn=ARN, settings=MapFanOutSettings()
    )
    without_wait = map_fan_out.table_definition(
        table_name="list", unmarshal_fn_arn=ARN, fn_arn=ARN, settings=MapFanOutSettings(wait_duration_seconds=0)
    )

    assert path_formula(with_wait, MAP_FAN_OUT_UNITS, MAP_FAN_OUT_BRANCHES) == TransitionFormula(6, {"item": 2})
    assert path_formula(without_wait, MAP_FAN_OUT_UNITS, MAP_FAN_OUT_BRANCHES) == TransitionFormula(6, {"item": 1})


def test_a_map_whose_iterations_are_not_named_is_refused_rather_than_undercounted() -> None:
    with pytest.raises(UnboundedPath, match="resourceIterator"):
        path_formula(tutorial_definition(), {"dynamoPutIterator": "image"}, tutorial.SUCCEEDED)


def test_a_loop_is_refused() -> None:
    loop = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}}}

    with pytest.raises(UnboundedPath, match="loop"):
        path_states(loop)


def test_a_million_items_at_one_transition_each_cost_twenty_five_dollars() -> None:
    assert dollars_per_million(1.0) == pytest.approx(25.0)
    assert dollars_per_million(0.1) == pytest.approx(2.5)
    assert TransitionFormula(6, {"batch": 1, "image": 1}).describe() == "6 + 1/batch + 1/image"
