"""Rough language of a free-text survey answer: ms, en, zh or ta (None when it cannot tell).

Scripts decide Chinese (Han) and Tamil; between Malay and English, which both use Latin
letters, a count of common function words decides. It is meant for dashboards
("how many answered in Tamil"), not for linguistics; the text itself is kept as is.
"""

from __future__ import annotations

import re

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_TAMIL = re.compile(r"[\u0b80-\u0bff]")
_WORD = re.compile(r"[a-z]+")
MALAY_WORDS = frozenset(
    "saya kami kita anda awak dia mereka yang dan atau tidak tak bukan ini itu untuk dengan ada boleh sangat "
    "baik bagus lebih akan sudah belum dalam pada dari ke di juga tapi tetapi kerana sebab jika kalau "
    "produk jualan harga murah mahal suka terima kasih ya lagi banyak sikit semua perlu mahu nak".split()
)
ENGLISH_WORDS = frozenset(
    "i we you he she they it the a an and or not no is are was were be been this that for with have has "
    "can very good great more will already in on from to also but because if product sales price cheap "
    "like thanks thank yes again many all need want would should my our".split()
)


def detect_language(text: str | None) -> str | None:
    """Return "zh", "ta", "ms" or "en" for `text`, or None when there is no telling."""
    if not text:
        return None
    if _HAN.search(text):
        return "zh"
    if _TAMIL.search(text):
        return "ta"
    words = _WORD.findall(text.lower())
    if not words:
        return None
    malay = sum(w in MALAY_WORDS for w in words)
    english = sum(w in ENGLISH_WORDS for w in words)
    if malay == english == 0:
        return None
    return "ms" if malay > english else "en"
