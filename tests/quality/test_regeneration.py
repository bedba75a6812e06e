"""The whole pipeline (workflow, chapters, assemble, publish) with a storyteller that writes one defect into the
first draft of chapter 2: each gate catches its defect, the chapter is rewritten once with the failure named,
and the published book passes. A defect that survives every rewrite publishes with quality_passed=false (policy
publish) or fails the book (policy fail)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from bookgen import keys, quality
from bookgen.llm.storyteller import story_responder
from bookgen.models import BookRequest, Chapter, StoryBible
from bookgen.quality.text import sentences
from bookgen.runner import run_book
from bookgen.storage import read_json
from tests.e2e.conftest import request_data

FEEDBACK = "The previous draft of this chapter failed these checks:"
_CHAPTER = re.compile(r"Write chapter (\d+) of \d+")

DENSE = (
    "Maya contemplated the paleontological classification of dinosaurs with considerable methodological "
    "sophistication, particularly where contemporary taxonomic frameworks contradicted established evolutionary "
    "interpretations. Her investigation of interplanetary propulsion, specifically the thermodynamic "
    "characteristics of experimental rockets, necessitated extraordinarily meticulous documentation. "
    "Consequently, she catalogued innumerable fossilized specimens, differentiating herbivorous sauropods from "
    "carnivorous theropods according to morphological peculiarities invisible to unaccustomed observers. "
    "Simultaneously, her preliminary calculations regarding atmospheric resistance, combustion efficiency and "
    "orbital trajectories demonstrated that conventional assumptions underestimated gravitational complications. "
    "Nevertheless, Maya persevered, systematically reconciling contradictory observations, interrogating "
    "questionable hypotheses, and formulating increasingly sophisticated explanations concerning the "
    "relationship between prehistoric ecosystems and futuristic exploration technologies. Ultimately, "
    "interdisciplinary collaboration, notwithstanding institutional resistance, constituted an indispensable "
    "prerequisite for substantive theoretical advancement. Her meticulously annotated notebooks, overflowing "
    "with diagrams, equations and speculative commentary, eventually attracted considerable attention from "
    "distinguished international researchers.")
# The small model's loop, in sentences an early reader can read (so that only the repetition gate fails).
LOOP = "Maya found a spaceship behind the old barn where the dinosaurs slept. She rode the rockets up to the stars. "


def _shorten(text: str) -> str:
    return " ".join(sentences(text)[:8])


# A chapter of an English book written in Spanish (only the language gate should fail on it).
SPANISH = ("Maya ve los dinosaurs en el jardín. Es un día de sol. Maya tiene un plan. Ella sube a los rockets con "
           "su amigo Pip. Los dos ríen mucho. El cielo es azul y la casa es pequeña. Maya dice que hoy es un día "
           "muy bueno. Pip está de acuerdo. Ellos miran las nubes. Una nube tiene la forma de un dinosaurio. "
           "Maya se ríe y corre por el camino. La noche llega pronto. Las estrellas salen una por una. Maya "
           "piensa en los rockets y en el espacio. Ella quiere volar muy alto. Pip tiene un poco de miedo, pero "
           "Maya le da la mano. Juntos cuentan las estrellas hasta que se duermen en la hierba. Por la mañana, "
           "Maya abre los ojos. El sol está en la ventana. Pip ya está despierto y tiene hambre. Los dos comen "
           "pan con miel y hablan de los dinosaurs.")

# gate -> what the defect does to the storyteller's clean first draft of chapter 2
DEFECTS: dict[str, Callable[[str], str]] = {
    "length": _shorten,
    "reading_level": lambda text: DENSE,
    "personalization_name": lambda text: text.replace("Maya", "The girl"),
    "personalization_interests": lambda text: text,  # with a fresh interest only chapter 2 could use; see below
    "meta_text": lambda text: "Sure! Here is chapter 2:\n\n" + text,
    "repetition": lambda text: LOOP * 7,
    "names": lambda text: text + ' "Come on," said Grizelda. Maya followed Grizelda. Grizelda laughed.',
    "language": lambda text: SPANISH,
}


def _chapter_of(messages: list[dict[str, str]]) -> int | None:
    match = _CHAPTER.search(messages[1]["content"]) if len(messages) > 1 else None
    return int(match.group(1)) if match else None


def _defective(defect: Callable[[str], str], always: bool = False):
    """The storyteller, except that chapter 2's first draft (or every draft, with `always`) gets `defect`."""
    def respond(messages, schema, params):
        answer = story_responder(messages, schema, params)
        rewrite = messages[-1]["content"].startswith(FEEDBACK)
        if schema is None and _chapter_of(messages) == 2 and (always or not rewrite):
            return defect(answer)
        return answer
    return respond


def _request(gate: str = "") -> dict:
    """The e2e request (3 chapters of 150 words for Maya, 7), rendered as Markdown only to keep the test fast."""
    if gate == "personalization_interests":
        # The storyteller uses every interest in every chapter; here no chapter sees "volcanoes" except chapter
        # 2's rewrite. The bible plans chapter 2 around it ("Maya and the volcanoes"), so chapter 2 must fix it.
        return request_data(reader={"name": "Maya", "age": 7, "interests": ["dinosaurs", "volcanoes", "rockets"]},
                            formats=["md"])
    return request_data(formats=["md"])


def _interest_responder():
    def respond(messages, schema, params):
        answer = story_responder(messages, schema, params)
        if schema is not None:
            return answer
        draft = story_responder(_drop_interest(messages, "volcanoes"), schema, params)
        first_draft_of_2 = _chapter_of(messages) == 2 and not messages[-1]["content"].startswith(FEEDBACK)
        return draft if first_draft_of_2 or _chapter_of(messages) != 2 else answer
    return respond


def _drop_interest(messages: list[dict[str, str]], interest: str) -> list[dict[str, str]]:
    return [{**m, "content": m["content"].replace(f', "{interest}"', "")} for m in messages]


def _run(make_services, gate: str, **settings):
    services = make_services(**settings)
    services.llm.inner.responder = (_interest_responder() if gate == "personalization_interests"
                                    else _defective(DEFECTS[gate]))
    execution = run_book(services, {"request": _request(gate)})
    return services, execution


def _rewrites(services, chapter: int) -> list:
    return [c for c in services.llm.inner.history
            if c.schema is None and _chapter_of(c.messages) == chapter and c.messages[-1]["content"].startswith(FEEDBACK)]


def _first_draft(services, chapter: int) -> str:
    call = next(c for c in services.llm.inner.history if c.schema is None and _chapter_of(c.messages) == chapter)
    return services.llm.inner.responder(call.messages, None, call.params)


@pytest.mark.parametrize("gate", list(DEFECTS))
def test_a_defect_in_a_first_draft_is_caught_and_regenerated(make_services, gate):
    assert gate in quality.GATES  # every gate of the package has a defect here
    services, execution = _run(make_services, gate)
    assert execution.state == "SUCCEEDED", execution.error
    book_id = execution.result["book_id"]
    storage = services.storage
    request = BookRequest.model_validate(read_json(storage, keys.request(book_id)))
    bible = StoryBible.model_validate(read_json(storage, keys.bible(book_id))["bible"])
    final = [Chapter.model_validate(read_json(storage, keys.chapter(book_id, n))) for n in (1, 2, 3)]

    # The first draft of chapter 2 failed this gate, and only this gate.
    first = [final[0], final[1].model_copy(update={"text": _first_draft(services, 2)}), final[2]]
    first_report = quality.check(request, bible, first)
    assert [name for name, g in first_report.gates.items() if not g.passed] == [gate]
    assert list(first_report.failing_chapters) == [2]

    # Exactly one rewrite, for chapter 2, whose prompt named the failure.
    rewrites = _rewrites(services, 2)
    assert len(rewrites) == 1 and _rewrites(services, 1) == _rewrites(services, 3) == []
    prompt = rewrites[0].messages[-1]["content"]
    assert f"- {gate}: " in prompt and first_report.failing_chapters[2][0] in prompt
    rows = services.analytics.query(
        "SELECT chapter FROM llm_calls WHERE book_id = @b AND step = 'assemble'", {"b": book_id})
    assert [r["chapter"] for r in rows] == [2]

    # The published book passed, chapter 2 included.
    manifest = read_json(storage, keys.manifest(book_id))
    assert manifest["status"] == "ready" and manifest["quality_passed"] is True
    report = manifest["quality"]
    assert report["passed"] and report["failing_chapters"] == {}
    assert report["gates"][gate]["passed"] and report["gates"][gate]["chapters"]["2"]["passed"]
    assert set(report["gates"]) == set(quality.GATES)


def test_a_persistent_defect_publishes_with_quality_passed_false_and_the_report(make_services):
    services = make_services()
    services.llm.inner.responder = _defective(DEFECTS["meta_text"], always=True)
    execution = run_book(services, {"request": _request()})
    assert execution.state == "SUCCEEDED", execution.error
    book_id = execution.result["book_id"]
    manifest = read_json(services.storage, keys.manifest(book_id))
    assert manifest["status"] == "ready" and manifest["quality_passed"] is False
    gate = manifest["quality"]["gates"]["meta_text"]
    assert not gate["passed"] and not gate["chapters"]["2"]["passed"] and gate["chapters"]["1"]["passed"]
    assert gate["chapters"]["2"]["problems"] == ["preamble at the start: 'Sure! Here is chapter 2:'"]
    assert list(manifest["quality"]["failing_chapters"]) == ["2"]
    assert len(_rewrites(services, 2)) == services.settings.quality_regenerations == 2
    rows = services.analytics.query("SELECT quality_passed FROM books WHERE book_id = @b", {"b": book_id})
    assert [r["quality_passed"] for r in rows] == [False]


def test_a_persistent_defect_fails_the_book_under_policy_fail(make_services):
    services = make_services(quality_policy="fail")
    services.llm.inner.responder = _defective(DEFECTS["meta_text"], always=True)
    execution = run_book(services, {"request": _request()})
    assert execution.state == "FAILED"
    book_id = BookRequest.model_validate(_request()).derived_book_id()
    manifest = read_json(services.storage, keys.manifest(book_id))
    assert manifest["status"] == "failed" and manifest["files"] == []
    assert manifest["error"]["code"] == 500 and "QualityFailed" in str(manifest["error"])
    assembly = read_json(services.storage, keys.assembly(book_id))
    assert assembly["quality_passed"] is False and not assembly["quality"]["gates"]["meta_text"]["passed"]
    assert len(_rewrites(services, 2)) == 2
    assert services.storage.list(f"processed/books/{book_id}/book.") == []

