"""A payment reference names a file and a payments row: it must never look like personal data."""

from __future__ import annotations

from creator_ops.core.finance.export import payment_reference
from creator_ops.core.finance.withholding import cli_payment_reference, payment_reference_of
from creator_ops.core.masking import mask_pii
from creator_ops.core.safe_csv import safe_name


def test_a_reference_is_never_masked_nor_refused_as_a_file_name():
    # the hex scheme gave `CO-EAA4FCF0165132805A7D` (a Malaysian mobile inside) about once in 3,000
    references = [payment_reference("my_1212_2026", "calc", f"creator{i}") for i in range(5000)]
    assert len(set(references)) == len(references)
    for reference in references:
        assert mask_pii(reference) == reference, reference
        assert safe_name(reference, suffix=".json") == reference + ".json"
        assert len(reference) == 23 and reference.startswith("CO-") and not any(c.isdigit() for c in reference[3:])


def test_the_ledger_and_the_command_line_share_one_scheme():
    assert payment_reference("c", "k", "ana") == payment_reference_of("c", "k", "ana") == cli_payment_reference("c", "k", "ana")
    assert payment_reference("c", "k", "ana") != payment_reference("c", "k", "siti")
