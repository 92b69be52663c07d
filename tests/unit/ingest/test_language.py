"""The language rule on real short survey answers, one-word ones included (`core/ingest/language.py`)."""

from __future__ import annotations

import pytest

from creator_ops.core.ingest.language import detect_language
from creator_ops.stand_ins.data import ANSWER_BANK

ONE_WORD = {
    "Ya": "ms", "Tidak": "ms", "Tak": "ms", "Bagus": "ms", "Mantap": "ms", "Kecantikan": "ms", "Fesyen": "ms",
    "Makanan": "ms", "Elektronik": "ms", "Murah": "ms", "Penghantaran": "ms", "Diskaun": "ms",
    "Yes": "en", "No": "en", "Beauty": "en", "Fashion": "en", "Food": "en", "Electronics": "en",
    "Cheap": "en", "Shipping": "en", "Maybe": "en", "Thanks": "en",
    "是": "zh", "否": "zh", "美妆": "zh", "ஆம்": "ta", "இல்லை": "ta", "அழகு": "ta",
}  # fmt: skip
SHORT = {
    "Sangat baik": "ms", "Terima kasih": "ms", "Stok habis terlalu awal": "ms", "Masa live terlalu singkat": "ms",
    "Rumah & Gaya Hidup": "ms", "Tolong hantar baucar lebih awal": "ms", "Perlukan panduan skrip live": "ms",
    "Bayaran insentif perlu lebih cepat": "ms", "Komisen rendah sangat": "ms",
    "Home & Living": "en", "Payout timing was unclear": "en", "The live slot was too short": "en",
    "Hero products went out of stock early": "en", "More samples please": "en", "Great campaign!": "en",
    "直播时间太短": "zh", "நேரலை நேரம் குறைவாக இருந்தது": "ta",
}  # fmt: skip


@pytest.mark.parametrize(("answer", "language"), [*ONE_WORD.items(), *SHORT.items()])
def test_short_answers_land_in_their_language(answer, language):
    assert detect_language(answer) == language


def test_every_answer_of_the_demo_bank_lands_in_its_language():
    wrong = [
        (language, text)
        for kind in ANSWER_BANK.values()
        for language, texts in kind.items()
        for text in texts
        if detect_language(text) != language
    ]
    assert wrong == []


@pytest.mark.parametrize("answer", ["", "123", "10/10", "N/A", "—", "ok"])
def test_no_telling_is_none(answer):
    assert detect_language(answer) is None
