"""Survey analytics of the review: responses, NPS and CSAT per spec survey, by language and account manager.

A response belongs to the first survey, in spec order, whose `[opens, closes]` holds its
submission time. The NPS and CSAT questions are the spec's `nps_question` and
`csat_question`, matched to the form's column headers after trimming and ignoring case.
NPS = 100 × (promoters − detractors) / valid answers, a valid answer being an integer
0-10 after trimming (promoters 9-10, detractors 0-6); CSAT = 100 × (answers 4 or 5) /
valid answers, a valid answer being an integer 1-5. Other answers are not counted.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from creator_ops.core.review.themes import is_free_text, language_of, themes_by_language
from creator_ops.core.review.values import Ratio
from creator_ops.core.spec import CampaignSpec
from creator_ops.core.times import as_utc

_INTEGER = re.compile(r"^\d+$")
UNASSIGNED = "(no account manager)"


@dataclass
class Response:
    response_id: Any
    creator_id: str
    submitted_at: dt.datetime
    answers: dict[str, tuple[str, str | None]]  # question header -> (answer, stored language)


def _question_key(text: str) -> str:
    return text.strip().casefold()


def integer_answer(answer: str | None, low: int, high: int) -> int | None:
    """Return the answer as an integer in [low, high] after trimming, else None (not counted)."""
    text = (answer or "").strip()
    if not _INTEGER.match(text):
        return None
    value = int(text)
    return value if low <= value <= high else None


def nps(answers: list[str | None]) -> tuple[Ratio | None, dict[str, int]]:
    """Return the NPS of the answers and its counts (valid, promoters, passives, detractors)."""
    scores = [s for s in (integer_answer(a, 0, 10) for a in answers) if s is not None]
    promoters = sum(s >= 9 for s in scores)
    detractors = sum(s <= 6 for s in scores)
    counts = {
        "valid": len(scores),
        "promoters": promoters,
        "passives": len(scores) - promoters - detractors,
        "detractors": detractors,
    }
    return Ratio.of(100 * (promoters - detractors), len(scores)), counts


def csat(answers: list[str | None]) -> tuple[Ratio | None, dict[str, int]]:
    """Return the CSAT of the answers and its counts (valid, satisfied = answers 4 or 5)."""
    scores = [s for s in (integer_answer(a, 1, 5) for a in answers) if s is not None]
    satisfied = sum(s >= 4 for s in scores)
    return Ratio.of(100 * satisfied, len(scores)), {"valid": len(scores), "satisfied": satisfied}


def build_responses(responses: Any, answers: Any) -> list[Response]:
    """Turn the responses and long-form answers tables into Response objects, in input order."""
    if responses is None:
        return []
    rows = responses.to_pylist() if hasattr(responses, "to_pylist") else list(responses)
    key = "response_id" if rows and "response_id" in rows[0] else "row_number"
    by_id: dict[Any, Response] = {}
    ordered = []
    for row in rows:
        submitted = row["submitted_at"]
        if submitted is None:
            continue
        response = Response(row[key], row.get("creator_id") or "", as_utc(submitted), {})  # naive: UTC as stored
        by_id[row[key]] = response
        ordered.append(response)
    for row in answers.to_pylist() if answers is not None else []:
        response = by_id.get(row.get(key))
        if response is not None and row.get("question") is not None:
            response.answers[row["question"]] = (row.get("answer") or "", row.get("language"))
    return ordered


def assign_to_surveys(spec: CampaignSpec, responses: list[Response]) -> dict[str, list[Response]]:
    """Give each response to the first spec survey whose [opens, closes] holds its submission."""
    windows = [(s.id, spec.when(s.opens), spec.when(s.closes)) for s in spec.surveys]
    out: dict[str, list[Response]] = {survey_id: [] for survey_id, _, _ in windows}
    for response in responses:
        for survey_id, opens, closes in windows:
            if opens <= response.submitted_at <= closes:
                out[survey_id].append(response)
                break
    return out


def _answer_to(response: Response, question: str | None) -> str | None:
    if not question:
        return None
    wanted = _question_key(question)
    for header, (answer, _) in response.answers.items():
        if _question_key(header) == wanted:
            return answer
    return None


# The language of a response (docs/review.md, "Survey language"), in order:
# 1. the language most of its free-text answers are in (`themes.language_of`: the stored detection, else
#    `core.ingest.language`; a text the rule cannot tell is "other");
# 2. a response with no free text (a score or a count alone, as forms exported one answer per row give)
#    takes the language its creator wrote in elsewhere in the same survey;
# 3. a creator who wrote no text in the survey at all: "no text" (not a language; never "other").
NO_TEXT = "no text"


def _text_languages(response: Response, score_questions: set[str]) -> list[str]:
    return [
        language_of(answer, stored)
        for header, (answer, stored) in response.answers.items()
        if _question_key(header) not in score_questions and is_free_text(answer)
    ]


def _creator_languages(group: list[Response], score_questions: set[str]) -> dict[str, str]:
    """Return creator -> the language most of their free-text answers in this survey are in (first seen on a tie)."""
    written: dict[str, list[str]] = {}
    for response in group:
        written.setdefault(response.creator_id, []).extend(_text_languages(response, score_questions))
    return {creator: Counter(langs).most_common(1)[0][0] for creator, langs in written.items() if langs}


def _response_language(response: Response, score_questions: set[str], by_creator: dict[str, str]) -> str:
    languages = _text_languages(response, score_questions)
    if languages:
        return Counter(languages).most_common(1)[0][0]
    return by_creator.get(response.creator_id, NO_TEXT)


CHOICE_MAX_VALUES = 12  # a question with at most this many distinct answers ...
CHOICE_MIN_REPEATS = 3  # ... each given on average at least this many times is a choice question


def is_choice_question(answers: list[str]) -> bool:
    """Whether a question's answers are a handful of repeated values (Ya/Tidak, a category) rather than free text.

    Such answers are counted, not grouped into themes: "Ya" is an answer, not a theme.
    """
    values = {" ".join(a.split()).casefold() for a in answers}
    return 0 < len(values) <= CHOICE_MAX_VALUES and len(answers) >= CHOICE_MIN_REPEATS * len(values)


def choice_counts(answers: list[tuple[str, str | None]]) -> dict[str, int]:
    """Return {answer: how many gave it}, most given first (answers differing only in case or spacing are one)."""
    counts: Counter[str] = Counter()
    shown: dict[str, str] = {}
    for answer, _ in answers:
        key = " ".join(answer.split()).casefold()
        shown.setdefault(key, " ".join(answer.split()))
        counts[key] += 1
    return {shown[k]: n for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))}


def _scores(
    group: list[Response], nps_answers: dict[int, str | None] | None, csat_answers: dict[int, str | None] | None
) -> dict[str, Any]:
    """NPS and CSAT of a split of a survey's responses, from their answers looked up once (by `id`)."""
    out: dict[str, Any] = {"responses": len(group)}
    if nps_answers is not None:
        out["nps"] = nps([nps_answers[id(r)] for r in group])[0]
    if csat_answers is not None:
        out["csat"] = csat([csat_answers[id(r)] for r in group])[0]
    return out


def _answers_to(group: list[Response], question: str | None) -> dict[int, str | None] | None:
    """Return {id(response): its answer to `question` (`_answer_to`)} for the group, None without a question."""
    return {id(r): _answer_to(r, question) for r in group} if question else None


def survey_figures(
    spec: CampaignSpec, responses: list[Response], account_managers: dict[str, str], *, themes: bool = True
) -> dict[str, Any]:
    """Return {survey id: figures} in spec order (responses, NPS, CSAT, splits, themes)."""
    out: dict[str, Any] = {}
    assigned = assign_to_surveys(spec, responses)
    for survey in spec.surveys:
        group = assigned[survey.id]
        nps_q = getattr(survey, "nps_question", None)
        csat_q = getattr(survey, "csat_question", None)
        score_questions = {_question_key(q) for q in (nps_q, csat_q) if q}
        figures: dict[str, Any] = {"title": survey.title, "responses": len(group)}
        nps_answers, csat_answers = _answers_to(group, nps_q), _answers_to(group, csat_q)
        if nps_answers is not None:
            value, counts = nps(list(nps_answers.values()))
            figures |= {"nps_question": nps_q, "nps": value, "nps_answers": counts}
        if csat_answers is not None:
            value, counts = csat(list(csat_answers.values()))
            figures |= {"csat_question": csat_q, "csat": value, "csat_answers": counts}
        by_language: dict[str, list[Response]] = {}
        by_manager: dict[str, list[Response]] = {}
        creator_language = _creator_languages(group, score_questions)
        for r in group:
            by_language.setdefault(_response_language(r, score_questions, creator_language), []).append(r)
            by_manager.setdefault(account_managers.get(r.creator_id, UNASSIGNED), []).append(r)
        figures["by_language"] = {k: _scores(v, nps_answers, csat_answers) for k, v in sorted(by_language.items())}
        figures["by_account_manager"] = {
            k: _scores(v, nps_answers, csat_answers) for k, v in sorted(by_manager.items())
        }
        per_question: dict[str, list[tuple[str, str | None]]] = {}
        for r in group:
            for header, (answer, stored) in r.answers.items():
                if _question_key(header) not in score_questions and is_free_text(answer):
                    per_question.setdefault(header, []).append((answer, stored))
        choices = {q: choice_counts(a) for q, a in per_question.items() if is_choice_question([x for x, _ in a])}
        if choices:
            figures["choices"] = choices
        if themes:
            free_text = [pair for q, answers in per_question.items() if q not in choices for pair in answers]
            figures["themes"] = themes_by_language(free_text)
        out[survey.id] = figures
    return out
