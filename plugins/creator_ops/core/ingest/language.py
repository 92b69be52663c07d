"""The language of a survey answer: ms, en, zh or ta (None when it cannot tell).

A documented rule rather than a statistical model, because the answers are short (often one
word: "Ya", "Tidak", "Fesyen") and the statistical detectors on the package registry either
download their model at run time (fastText's lid.176) or have no Malay and guess on one word
(langdetect reads "Ya" as Indonesian or Swahili). The rule, in order:

1. Script: any Han character is Chinese; any Tamil letter is Tamil.
2. Latin script: each word scores for Malay or English from two lexicons of the words
   Malaysian creators write in surveys (function words and the common content words of
   selling, products and campaigns, `MALAY_WORDS`, `ENGLISH_WORDS`), and for Malay by its
   morphology when the word is in neither (prefixes meN-/ber-/di-/ter-/pe-, suffixes
   -kan/-nya/-an with a Malay stem pattern; English suffixes -ing/-tion/-ly/-ed score
   for English). The higher score wins; a tie or no score is None.

It is meant for dashboards ("how many answered in Tamil"), not for linguistics; the text
itself is kept as is. `tests/unit/ingest/test_language.py` checks it on the demo's answers
and on real one-word answers.
"""

from __future__ import annotations

import re

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_TAMIL = re.compile(r"[\u0b80-\u0bff]")
_WORD = re.compile(r"[a-z]{2,}")  # one letter (a, i, x, the "a" of N/A) tells nothing
MALAY_WORDS = frozenset(
    # function words
    "saya aku kami kita anda awak kamu dia mereka yang dan atau tidak tak bukan ini itu untuk dengan ada "
    "boleh sangat amat lebih akan sudah dah belum telah dalam pada dari daripada kepada ke di juga tapi "
    "tetapi kerana sebab jika kalau ya lagi pun nak mahu hendak perlu semua sahaja saja je lah kah tu ni "
    "oleh bagi seperti macam sebagai hanya masih mungkin agak terlalu cukup kurang paling sikit sedikit banyak "
    "baru lama awal lewat cepat lambat selalu kadang jarang mana bila apa siapa kenapa bagaimana tolong sila "
    "terima kasih maaf okey tidak betul salah setuju mungkin ada tiada takde xde x "
    # campaign, selling and product words
    "produk barang jualan jual beli harga murah mahal diskaun baucar komisen bayaran insentif ganjaran "
    "hadiah sampel stok habis kempen pelanggan penonton pengikut video siaran langsung masa waktu hari "
    "minggu bulan tahun skrip panduan sokongan bantuan pasukan kedai penghantaran hantar tempoh kualiti "
    "bagus baik teruk hebat mantap best gembira puas suka seronok senang susah mudah sukar jelas keliru "
    "kecantikan fesyen rumah gaya hidup elektronik makanan minuman pakaian kasut beg kosmetik penjagaan kulit "
    "singkat panjang tinggi rendah besar kecil baharu cantik untung rugi jualan sasaran".split()
)
ENGLISH_WORDS = frozenset(
    # function words
    "i we you he she they it the a an and or not no is are was were be been this that for with have has "
    "had can could very good great more will would should shall may might must already in on at by from to "
    "also but because if so too than then there their our my your me us him her them what which who when "
    "where why how all any some many much few lot lots yes again need want please thanks thank maybe sure "
    "okay just only even still really quite bit little less most next time did do does done got get "
    # campaign, selling and product words
    "product products sales sale sell selling sold price prices cheap expensive discount voucher vouchers "
    "commission payout payment incentive incentives reward bonus prize sample samples stock campaign "
    "customers customer viewers followers video videos live stream session sessions slot script guide brief "
    "support help team shop delivery shipping late early fast slow quick clear unclear quality "
    "nice bad awesome amazing excellent happy satisfied love like fun easy hard difficult "
    "beauty fashion home living electronics food drinks clothes shoes bags cosmetics skincare "
    "short long high low big small new hero doubled double out went timing".split()
)
_MALAY_PREFIX = re.compile(r"^(meng|meny|mem|men|me|ber|be|di|ter|per|pen|pem|peng|peny|ke|se)[a-z]{3,}")
_MALAY_SUFFIX = re.compile(r"[a-z]{3,}(kan|nya|lah|kah|an)$")
_ENGLISH_SUFFIX = re.compile(r"[a-z]{2,}(ing|tion|tions|ness|ment|ly|ed|ful|less|able|ous|ive|er|est)$")
_ENGLISH_LETTERS = re.compile(r"(th|wh|sh|ck|ph|qu|ee|oo|ea|ou|w|v|x|q|z|y$)")


def _score(word: str) -> tuple[float, float]:
    """Return (Malay, English) evidence of one lower-case Latin word."""
    malay, english = word in MALAY_WORDS, word in ENGLISH_WORDS
    if malay or english:
        return float(malay), float(english)
    ms = 0.5 if (_MALAY_PREFIX.match(word) or _MALAY_SUFFIX.match(word)) else 0.0
    en = 0.5 if _ENGLISH_SUFFIX.match(word) else 0.0
    if ms == en and _ENGLISH_LETTERS.search(word):
        en += 0.25  # letter groups Malay spelling does not use (th, wh, ck, w, v, x, q, z)
    return ms, en


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
    malay = english = 0.0
    for word in words:
        ms, en = _score(word)
        malay += ms
        english += en
    if malay == english:
        return None
    return "ms" if malay > english else "en"
