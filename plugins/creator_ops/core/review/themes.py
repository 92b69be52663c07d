"""Themes of free-text survey answers, per language, computed offline and deterministically.

Answers are grouped by language (`ms`, `en`, `zh`, `ta`, `other`, from
`core.ingest.language`). Within a language the words are weighted by TF-IDF (Chinese
segmented by jieba's bundled dictionary, Tamil and Latin-script text split on words,
function words dropped) and factorized by NMF with the deterministic NNDSVD start; an
answer belongs to the theme with its largest weight. A theme's label is its three
heaviest words, its count the answers in it, and its examples the (at most two) answers
that weigh most in it, with personal data masked. No model is downloaded, nothing is
random, and the BLAS runs on one thread, so the same answers give the same themes.
"""

from __future__ import annotations

import math
import re
import warnings
from typing import Any

from creator_ops.core.ingest.language import detect_language
from creator_ops.core.masking import mask_pii

LANGUAGES = ("ms", "en", "zh", "ta", "other")
LANGUAGE_NAMES = {"ms": "Malay", "en": "English", "zh": "Chinese", "ta": "Tamil", "other": "other"}
MAX_THEMES = 5
MAX_EXAMPLE_CHARS = 200
_LATIN_WORD = re.compile(r"[a-z\u00c0-\u024f]{3,}")  # Latin script only; Han and Tamil have tokenizers of their own
_TAMIL_WORD = re.compile(r"[\u0b80-\u0bff]{2,}")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# function words only: content words such as "harga" (price) or "late" are what themes are made of
MALAY_FUNCTION_WORDS = frozenset(
    "saya aku kami kita anda awak kamu dia mereka yang dan atau tidak tak bukan ini itu untuk dengan ada "
    "boleh sangat amat lebih akan sudah dah belum telah dalam pada dari daripada kepada ke di juga tapi "
    "tetapi kerana sebab jika kalau ya lagi pun nak mahu hendak perlu semua sahaja saja je lah kah tu ni "
    "oleh bagi seperti macam sebagai hanya masih mungkin agak".split()
)
_ZH_STOP = frozenset("我们 你们 他们 这个 那个 就是 还是 因为 所以 但是 可以 没有 非常 一个 什么 自己 觉得".split())


def language_of(text: str, stored: str | None = None) -> str:
    """Return the answer's language bucket: the stored detection, else detect now; unknown is `other`."""
    code = stored or detect_language(text)
    return code if code in LANGUAGES else "other"


def is_free_text(text: str | None) -> bool:
    """An answer is free text when it has a letter (numbers and blanks are scores, not comments)."""
    return bool(text) and any(ch.isalpha() for ch in text)  # type: ignore[union-attr]


def _stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | MALAY_FUNCTION_WORDS


def _latin_tokens(text: str) -> list[str]:
    stop = _stop_words()
    return [w for w in _LATIN_WORD.findall(text.lower()) if w not in stop]


def _chinese_tokens(text: str) -> list[str]:
    import jieba

    jieba.setLogLevel(60)
    words = [w.strip() for w in jieba.lcut(text)]
    han = [w for w in words if _HAN.search(w) and w not in _ZH_STOP]
    longer = [w for w in han if len(w) >= 2]
    return (longer or han) + _latin_tokens(text)


def _tamil_tokens(text: str) -> list[str]:
    return _TAMIL_WORD.findall(text) + _latin_tokens(text)


def tokenizer_for(language: str):
    return {"zh": _chinese_tokens, "ta": _tamil_tokens}.get(language, _latin_tokens)


def _example(text: str) -> str:
    text = " ".join(mask_pii(text).split())
    return text if len(text) <= MAX_EXAMPLE_CHARS else text[: MAX_EXAMPLE_CHARS - 1] + "…"


def _theme(label: str, members: list[int], weights: list[float], answers: list[str]) -> dict[str, Any]:
    best = sorted(members, key=lambda i: (-round(weights[i], 9), i))
    examples: list[str] = []
    for i in best:
        example = _example(answers[i])
        if example not in examples:
            examples.append(example)
        if len(examples) == 2:
            break
    return {"label": label, "count": len(members), "examples": examples}


def themes_of(answers: list[str], language: str) -> list[dict[str, Any]]:
    """Group one language's answers into at most MAX_THEMES themes: label, count, two masked examples."""
    if not answers:
        return []
    import numpy as np
    from sklearn.decomposition import NMF
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.feature_extraction.text import TfidfVectorizer
    from threadpoolctl import threadpool_limits

    vectorizer = TfidfVectorizer(tokenizer=tokenizer_for(language), lowercase=False, token_pattern=None)
    try:
        matrix = vectorizer.fit_transform(answers)
    except ValueError:  # no words at all (emoji, punctuation)
        return [_theme("(no words)", list(range(len(answers))), [0.0] * len(answers), answers)]
    terms = vectorizer.get_feature_names_out()
    k = max(1, min(MAX_THEMES, math.ceil(math.sqrt(len(answers) / 2)), len(terms), len(answers)))
    with threadpool_limits(1), warnings.catch_warnings():
        # a fixed iteration budget, so the result is the same everywhere; convergence is not needed for ranking
        warnings.simplefilter("ignore", ConvergenceWarning)
        if k == 1:
            weights = np.asarray(matrix.sum(axis=1)).ravel()[:, None]
            components = np.asarray(matrix.sum(axis=0))
        else:
            model = NMF(n_components=k, init="nndsvd", max_iter=500, random_state=0)
            weights = model.fit_transform(matrix)
            components = model.components_
    joiner = "、" if language == "zh" else " / "
    labels = [joiner.join(terms[j] for j in np.argsort(-components[t], kind="stable")[:3]) for t in range(k)]
    assigned: dict[int, list[int]] = {}
    unplaced: list[int] = []
    for i in range(len(answers)):
        row = weights[i]
        if float(row.max()) <= 0:
            unplaced.append(i)
        else:
            assigned.setdefault(int(np.argmax(row)), []).append(i)
    themes = [_theme(labels[t], members, [float(w) for w in weights[:, t]], answers) for t, members in assigned.items()]
    if unplaced:
        themes.append(_theme("(other answers)", unplaced, [0.0] * len(answers), answers))
    return sorted(themes, key=lambda t: (-t["count"], t["label"]))


def themes_by_language(answers: list[tuple[str, str | None]]) -> dict[str, list[dict[str, Any]]]:
    """Return {language: themes} for (answer, stored language) pairs, languages in a fixed order."""
    buckets: dict[str, list[str]] = {code: [] for code in LANGUAGES}
    for text, stored in answers:
        if is_free_text(text):
            buckets[language_of(text, stored)].append(text.strip())
    return {code: themes_of(texts, code) for code, texts in buckets.items() if texts}
