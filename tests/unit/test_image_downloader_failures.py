"""ImageDownloader's definition ends every failure in its own words: each Task's errors are caught, and every path
out of a catch reaches one of the workflow's named Fail states (its README section lists them)."""

from __future__ import annotations

from typing import Any

from components import asl
from components.image_downloader import TERMINAL_ERRORS, ImageDownloaderSettings, definition

NAMED_ERRORS = {"InvalidInput", "DownloadsFailed", "DownloadsIncomplete", "DownloadsNotRecorded"}


def build() -> dict[str, Any]:
    return definition(
        batch_fn_arn="arn:batch",
        download_fn_arn="arn:download",
        consolidate_fn_arn="arn:consolidate",
        bucket_name="images",
        topic_arn="arn:topic",
        settings=ImageDownloaderSettings(),
    )


def test_every_fail_state_ends_with_one_of_the_workflows_named_errors():
    fails = {name: state for name, state in asl.iter_states(build()) if state["Type"] == "Fail"}
    assert {state["Error"] for state in fails.values()} == NAMED_ERRORS
    assert all("Cause" in state or "CausePath" in state for state in fails.values())


def test_every_task_and_map_catches_every_error_the_terminal_ones_too():
    for name, state in asl.iter_states(build()):
        if state["Type"] not in ("Task", "Map"):
            continue
        caught = [error for catcher in state.get("Catch", []) for error in catcher["ErrorEquals"]]
        assert "States.ALL" in caught, name
        if name.startswith(("Notify",)):
            continue  # a publish that fails still ends the execution in its named error
        assert set(TERMINAL_ERRORS) <= set(caught), name


def test_a_failed_batch_is_caught_inside_its_iteration_and_reports_its_images():
    states = build()["States"]
    for map_name, start in (("DownloadInline", "DownloadBatch"), ("DownloadDistributed", "DownloadChildBatch")):
        iteration = states[map_name]["ItemProcessor"]["States"]
        catchers = iteration[start]["Catch"]
        assert {catcher["Next"] for catcher in catchers} == {f"{start}Failed"}
        failed = iteration[f"{start}Failed"]
        assert failed["Type"] == "Pass" and failed.get("End") is True
        assert failed["Parameters"]["failedBatch"]["resourcePaths.$"] == "$.resourcePaths"
    assert states["DownloadDistributed"]["ToleratedFailurePercentage"] == 100.0


def test_every_failure_but_a_bad_request_is_published_to_the_failures_topic():
    states = build()["States"]

    def reaches(name: str, target: str, seen: set[str]) -> bool:
        if name == target:
            return True
        if name in seen or name not in states:
            return False
        seen.add(name)
        state = states[name]
        nexts = [state.get("Next"), state.get("Default")]
        nexts += [choice["Next"] for choice in state.get("Choices", [])]
        nexts += [catcher["Next"] for catcher in state.get("Catch", [])]
        return any(reaches(n, target, seen) for n in nexts if n)

    for caught in ("ValidateAndBatchFailed", "DownloadInlineFailed", "DownloadDistributedFailed", "ConsolidateFailed"):
        assert states[caught]["Next"] == "NotifyIncomplete"
        assert reaches(caught, "DownloadsIncomplete", set())
    assert states["NotifyFailures"]["Parameters"]["TopicArn"] == states["NotifyIncomplete"]["Parameters"]["TopicArn"]
    assert not reaches("DescribeInvalidInput", "NotifyIncomplete", set()), "a bad request is the caller's to read"


def test_downloads_incomplete_says_so_when_the_failures_topic_could_not_be_notified_too():
    """Issue 22, point 6: as DownloadsFailed does, the cause ends with the publish's error."""
    states = build()["States"]

    (catcher,) = states["NotifyIncomplete"]["Catch"]
    described = states[catcher["Next"]]
    assert catcher["ResultPath"] == "$.notifyError" and described["Next"] == "DownloadsIncomplete"
    wording = described["Parameters"]["message.$"]
    assert wording == states["NotNotified"]["Parameters"]["message.$"]
    assert "(The failures topic could not be notified: {}.)" in wording and "$.notifyError.Error" in wording


def test_images_all_stored_but_some_unrecorded_end_downloads_not_recorded_and_any_lost_image_downloads_failed():
    states = build()["States"]

    choice = states["FailedOrNotRecorded"]
    assert states["NotifyFailures"]["Next"] == "FailedOrNotRecorded" and states["NotNotified"]["Next"] == choice_name(
        states, choice
    )
    assert choice["Choices"] == [{"Variable": "$.failed", "NumericGreaterThan": 0, "Next": "DownloadsFailed"}]
    assert choice["Default"] == "DownloadsNotRecorded"
    assert states["NotNotified"]["Parameters"]["failed.$"] == "$.failed", "the count travels past a failed publish"
    selector = states["DownloadInline"]["ItemProcessor"]["States"]["DownloadBatch"]["ResultSelector"]
    assert selector["unrecordedUrls.$"] == "$.Payload.unrecordedUrls"


def choice_name(states: dict[str, Any], choice: dict[str, Any]) -> str:
    return next(name for name, state in states.items() if state is choice)
