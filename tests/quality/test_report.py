"""The report and the package's interface to `assemble`: check, failing_chapters, feedback, as_dict."""

from __future__ import annotations

import json

from bookgen import quality
from bookgen.quality import ChapterFinding, GateResult, Report
from tests.quality.factories import bible, replace, request, story


def _defective():
    chapters = story()
    chapters = replace(chapters, 2, "Sure! Here is chapter 2:\n\n" + chapters[1].text)
    return replace(chapters, 3, " ".join(["Maya"] * 40))


def test_check_runs_every_gate_and_clean_chapters_pass():
    report = quality.check(request(), bible(), story())
    assert list(report.gates) == list(quality.GATES) == [
        "length", "reading_level", "personalization_name", "personalization_interests", "meta_text",
        "repetition", "names", "language"]
    assert report.passed and report.failing_chapters == {}


def test_failing_chapters_name_gate_and_problem_per_chapter():
    report = quality.check(request(), bible(), _defective())
    assert not report.passed
    assert report.failing_chapters[2] == ["meta_text: preamble at the start: 'Sure! Here is chapter 2:'"]
    assert report.failing_chapters[3][0] == "length: 40 words for a budget of 150 (allowed 120-180): too short"
    assert 1 not in report.failing_chapters


def test_problems_of_a_passing_gate_do_not_make_a_chapter_fail():
    result = GateResult("personalization_name", True, {1: ChapterFinding({"named": False}, ["not named"])})
    report = Report({"personalization_name": result})
    assert report.passed and report.failing_chapters == {}
    assert report.as_dict()["gates"]["personalization_name"]["chapters"]["1"] == {
        "passed": False, "scores": {"named": False}, "problems": ["not named"]}


def test_the_report_serializes_to_json_with_every_gate_chapter_and_score():
    report = quality.check(request(), bible(), _defective())
    data = json.loads(json.dumps(report.as_dict()))
    assert data["passed"] is False and set(data["gates"]) == set(quality.GATES)
    assert data["failing_chapters"]["2"] == report.failing_chapters[2]
    for gate in data["gates"].values():
        assert set(gate["chapters"]) == {"1", "2", "3"}
        assert all(set(c) == {"passed", "scores", "problems"} for c in gate["chapters"].values())
    assert data["gates"]["reading_level"]["chapters"]["1"]["scores"]["flesch"] > 80
    assert data["gates"]["meta_text"]["chapters"]["2"]["passed"] is False


def test_a_later_round_keeps_the_history_of_earlier_ones():
    first = quality.check(request(), bible(), _defective())
    second = quality.check(request(), bible(), story(), previous=first)
    assert second.passed
    assert second.as_dict()["history"] == [{
        "passed": False, "failed_gates": ["length", "meta_text", "repetition"],
        "failing_chapters": first.as_dict()["failing_chapters"]}]


def test_feedback_names_each_failure_with_advice_and_the_length():
    problems = quality.check(request(), bible(), _defective()).failing_chapters[2]
    text = quality.feedback(problems, request())
    assert text.startswith("The previous draft of this chapter failed these checks:\n- meta_text: preamble at "
                           "the start: 'Sure! Here is chapter 2:'\n")
    assert quality.meta_text.ADVICE in text
    assert text.endswith("Maya is the hero. Write about 150 words.")


def test_feedback_gives_each_gates_advice_once():
    text = quality.feedback(["length: too short", "length: again", "names: \"Mya\" looks like…"], request())
    assert text.count(quality.length.ADVICE) == 1 and quality.names.ADVICE in text


def test_check_can_run_a_subset_of_gates():
    report = quality.check(request(), bible(), _defective(), gates={"length": quality.GATES["length"]})
    assert list(report.gates) == ["length"] and list(report.failing_chapters) == [3]
