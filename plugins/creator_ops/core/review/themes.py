"""Themes of free-text survey answers, per language, computed offline and deterministically.

Answers are grouped by language (`ms`, `en`, `zh`, `ta`, `other`, from
`core.ingest.language`). Within a language the words are weighted by TF-IDF (Chinese
segmented by jieba's bundled dictionary, Tamil and Latin-script text split on words,
function words dropped) and grouped by spherical k-means (cosine similarity) started from
seed words: the most widespread words that mark different answers. An answer belongs to
the theme it is most similar to. A theme's label is its three heaviest words, its count
the answers in it, and its examples the (at most two) answers closest to it, with personal
data masked. No model is downloaded and nothing is random (similarities are rounded before
they are compared), so the same answers give the same themes; numpy alone does the work.
"""

from __future__ import annotations

import math
import re
from typing import Any

from creator_ops.core.ingest.language import detect_language
from creator_ops.core.masking import mask_pii

LANGUAGES = ("ms", "en", "zh", "ta", "other")
LANGUAGE_NAMES = {"ms": "Malay", "en": "English", "zh": "Chinese", "ta": "Tamil", "other": "other",
                  "no text": "no text (scores only)"}
MAX_THEMES = 5
MAX_EXAMPLE_CHARS = 200
_LATIN_WORD = re.compile(r"[a-z\u00c0-\u024f]{3,}")  # Latin script only; Han and Tamil have tokenizers of their own
_TAMIL_WORD = re.compile(r"[\u0b80-\u0bff]{2,}")
_MASK_TOKEN = re.compile(r"\[(?:email|phone)[^\]]*\]")  # what mask_pii puts where personal data was
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# function words only: content words such as "harga" (price) or "late" are what themes are made of
ENGLISH_FUNCTION_WORDS = frozenset(
    "the and for with that this was were are you your yours they them their there then than this these those "
    "have has had having not but its it's our ours out over very really just also all any can could would "
    "should will shall may might must been being from into onto about above below again further once only "
    "own same some such too more most other what which who whom whose why how when where while because "
    "until both each few nor off yet yes i'm i've im ive dont didnt doesnt isnt wasnt cant wont got get "
    "one two make made much many lot lots thing things still even ever every".split()
)
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
    return ENGLISH_FUNCTION_WORDS | MALAY_FUNCTION_WORDS


def _latin_tokens(text: str) -> list[str]:
    stop = _stop_words()
    return [w for w in _LATIN_WORD.findall(_MASK_TOKEN.sub(" ", text).lower()) if w not in stop]


def has_han(text: str | None) -> bool:
    """Whether `text` has a Chinese character (only then is jieba worth loading)."""
    return bool(text) and _HAN.search(text) is not None  # type: ignore[arg-type]


def load_jieba() -> Any:
    """Import jieba and load its dictionary (from jieba's marshal cache in the temp dir), once per process.

    Thread-safe: jieba guards its dictionary load with a lock. The review loads it where its
    themes first need it (a background warm-up beside DuckDB's queries slowed them on two cores).
    (jieba imports `pkg_resources`, ~0.4 s; that is left alone: hiding a module from
    `sys.modules` while other threads import would be a process-wide side effect.)
    """
    import jieba

    if not jieba.dt.initialized:
        jieba.setLogLevel(60)
        _load_jieba_cache(jieba.dt)
        jieba.initialize()  # a no-op once the cache is loaded; else jieba builds (and caches) its dictionary
    return jieba


def _load_jieba_cache(tokenizer: Any) -> None:
    """Load the default dictionary's prefix dict from jieba's own cache file, as jieba would, only faster.

    jieba reads its cache with `marshal.load(file)`, which asks the file for every one of
    its ~500,000 words separately (~0.45 s); reading the bytes at once and `marshal.loads`
    gives the very same dictionary in a third of that. Same file, same rule as jieba's for
    the default dictionary (use the cache when it exists); on any failure jieba's
    `initialize` takes over and rebuilds it.
    """
    import marshal
    import os
    import tempfile

    import jieba

    if tokenizer.dictionary != jieba.DEFAULT_DICT:
        return
    path = os.path.join(tokenizer.tmp_dir or tempfile.gettempdir(), tokenizer.cache_file or "jieba.cache")
    with tokenizer.lock:
        if tokenizer.initialized or not os.path.isfile(path):
            return
        try:
            with open(path, "rb") as cache:
                freq, total = marshal.loads(cache.read())
        except Exception:  # jieba's initialize rebuilds a bad cache
            return
        tokenizer.FREQ, tokenizer.total = freq, total
        tokenizer.initialized = True


def _chinese_tokens(text: str) -> list[str]:
    jieba = load_jieba()
    words = [w.strip() for w in jieba.lcut(text)]
    han = [w for w in words if _HAN.search(w) and w not in _ZH_STOP]
    longer = [w for w in han if len(w) >= 2]
    return (longer or han) + _latin_tokens(text)


def _tamil_tokens(text: str) -> list[str]:
    return _TAMIL_WORD.findall(text) + _latin_tokens(text)


def tokenizer_for(language: str):
    return {"zh": _chinese_tokens, "ta": _tamil_tokens}.get(language, _latin_tokens)


CONTACT_REMOVED = "(contact removed)"  # what a reader sees where ingestion masked an e-mail or phone number


def _example(text: str) -> str:
    text = " ".join(_MASK_TOKEN.sub(CONTACT_REMOVED, mask_pii(text)).split())
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


MAX_TERMS = 3000  # the most frequent words of a language; enough for themes, bounded memory
KMEANS_ROUNDS = 20


def tfidf(answers: list[str], language: str) -> tuple[Any, list[str]]:
    """Return the L2-normalized TF-IDF matrix (answers × terms, float64) and its terms.

    The weighting is the usual smooth one: tf × (ln((1 + n) / (1 + df)) + 1). Terms are the
    MAX_TERMS most frequent (ties by the term), in sorted order, so the matrix is the same
    for the same answers.
    """
    import numpy as np

    tokenize = tokenizer_for(language)
    documents = [tokenize(a) for a in answers]
    df: dict[str, int] = {}
    for words in documents:
        for word in set(words):
            df[word] = df.get(word, 0) + 1
    kept = sorted(df, key=lambda w: (-df[w], w))[:MAX_TERMS]
    terms = sorted(kept)
    index = {t: j for j, t in enumerate(terms)}
    matrix = np.zeros((len(answers), len(terms)))
    for i, words in enumerate(documents):
        for word in words:
            j = index.get(word)
            if j is not None:
                matrix[i, j] += 1.0
    n = len(answers)
    matrix *= np.log((1.0 + n) / (1.0 + np.array([df[t] for t in terms], dtype=float))) + 1.0
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0), terms


def _seed_terms(matrix: Any, k: int) -> list[int]:
    """Pick up to k seed words: the most widespread ones whose answers overlap little with earlier seeds'."""
    import numpy as np

    present = matrix > 0
    df = present.sum(axis=0)
    order = sorted(range(matrix.shape[1]), key=lambda j: (-int(df[j]), j))
    seeds: list[int] = []
    covered = np.zeros(matrix.shape[0], dtype=bool)
    for j in order:
        if len(seeds) == k or df[j] == 0:
            break
        docs = present[:, j]
        if seeds and (docs & covered).sum() > docs.sum() / 2:
            continue  # mostly the same answers as an earlier seed: the same theme
        seeds.append(j)
        covered |= docs
    return seeds


def themes_of(answers: list[str], language: str) -> list[dict[str, Any]]:
    """Group one language's answers into at most MAX_THEMES themes: label, count, two masked examples.

    Spherical k-means over TF-IDF, started deterministically from seed words (the most
    widespread words that mark different answers), so there is no randomness at all.
    """
    if not answers:
        return []
    import numpy as np

    matrix, terms = tfidf(answers, language)
    if not terms:  # no words at all (emoji, punctuation)
        return [_theme("(no words)", list(range(len(answers))), [0.0] * len(answers), answers)]
    k = max(1, min(MAX_THEMES, math.ceil(math.sqrt(len(answers) / 2)), len(terms), len(answers)))
    seeds = _seed_terms(matrix, k)
    centers = np.stack([matrix[matrix[:, j] > 0].mean(axis=0) for j in seeds])
    assignment = np.full(len(answers), -1)
    for _ in range(KMEANS_ROUNDS):
        centers /= np.maximum(np.linalg.norm(centers, axis=1, keepdims=True), 1e-12)
        similarity = np.round(matrix @ centers.T, 9)
        new = np.where(similarity.max(axis=1) > 0, similarity.argmax(axis=1), -1)
        if np.array_equal(new, assignment):
            break
        assignment = new
        centers = np.stack(
            [matrix[assignment == t].mean(axis=0) if (assignment == t).any() else centers[t] for t in range(len(seeds))]
        )
    similarity = np.round(matrix @ centers.T, 9)
    joiner = "、" if language == "zh" else " / "
    themes = []
    for t in range(len(seeds)):
        members = [int(i) for i in np.flatnonzero(assignment == t)]
        if members:
            top = np.argsort(-np.round(centers[t], 12), kind="stable")[:3]
            label = joiner.join(terms[j] for j in top if centers[t, j] > 0)
            themes.append(_theme(label, members, [float(x) for x in similarity[:, t]], answers))
    unplaced = [int(i) for i in np.flatnonzero(assignment < 0)]
    if unplaced:
        themes.append(_theme("(other answers)", unplaced, [0.0] * len(answers), answers))
    return sorted(themes, key=lambda t: (-t["count"], t["label"]))


def themes_by_language(answers: list[tuple[str, str | None]]) -> dict[str, list[dict[str, Any]]]:
    """Return {language: themes} for (answer, stored language) pairs, languages in a fixed order.

    Answers are masked before anything else, so no part of an e-mail address or phone
    number can become a theme's word, label or example.
    """
    buckets: dict[str, list[str]] = {code: [] for code in LANGUAGES}
    for text, stored in answers:
        if is_free_text(text):
            masked = mask_pii(text.strip())
            buckets[language_of(masked, stored)].append(masked)
    return {code: themes_of(texts, code) for code, texts in buckets.items() if texts}
