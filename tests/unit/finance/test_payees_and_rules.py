"""The section 14 rules one by one, payee checks and masking, and the identity key's rotation."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.fernet import Fernet
from hypothesis import given
from hypothesis import strategies as st

from creator_ops.core.finance.crypto import PayeeCipher, PayeeKeyInvalid, PayeeKeyMissing, resolve_payee_key
from creator_ops.core.finance.payees import PayeeRowProblem, mask_identifier, parse_payee
from creator_ops.core.finance.withholding import (
    FinanceSwitches,
    PayoutLine,
    decide_payment,
    due_date,
    over_threshold,
    wht_sen,
)

ON = FinanceSwitches(s107d=True, cp58=True, einvoice=True)
ROW = {"creator_id": "ana", "entity_type": "individual", "resident": "yes", "legal_name": "Ana", "id_type": "NRIC",
       "id_number": "900101145671", "state": "Johor"}  # fmt: skip


def test_wht_is_two_percent_half_up_to_the_sen() -> None:
    assert wht_sen(2525) == 51  # 50.5 sen → 51
    assert wht_sen(2475) == 50  # 49.5 sen → 50
    assert wht_sen(2524) == 50  # 50.48 sen → 50
    assert wht_sen(123456) == 2469
    assert wht_sen(24) == 0 and wht_sen(25) == 1  # 0.48 → 0, 0.5 → 1


@given(st.integers(min_value=0, max_value=10**12))
def test_wht_matches_exact_decimal_rounding(gross: int) -> None:
    from decimal import ROUND_HALF_UP, Decimal

    assert wht_sen(gross) == int((Decimal(gross) * Decimal("0.02")).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def test_threshold_is_strictly_more_than_rm100000() -> None:
    assert not over_threshold(100_000_00) and over_threshold(100_000_01)


def test_due_date_is_thirty_days_after_the_payout() -> None:
    assert due_date(dt.date(2027, 1, 2)) == dt.date(2027, 2, 1)
    assert due_date(dt.date(2027, 12, 15)) == dt.date(2028, 1, 14)


@pytest.mark.parametrize(
    ("changes", "prior", "wht", "status", "reason"),
    [
        ({}, 100_000_01, 2469, "paid", ""),
        ({}, 100_000_00, 0, "paid", ""),
        ({"entity_type": "company", "id_type": "BRN", "id_number": "201901012345", "tin": "C20880099010"},
         10**9, 0, "paid", ""),
        ({"entity_type": "partnership", "id_type": "BRN", "id_number": "202101054321", "tin": "D21234567030"},
         10**9, 0, "paid", ""),
        ({"entity_type": "llp", "id_type": "BRN", "id_number": "LLP0012345", "tin": "D21234567031"}, 10**9, 0, "paid",
         ""),
        ({"resident": "no"}, 10**9, 0, "paid", ""),
        ({"entity_type": "sole_proprietor"}, 10**9, 2469, "paid", ""),
        ({"id_type": "", "id_number": ""}, 10**9, 2469, "held", "no_identity"),
    ],
)  # fmt: skip
def test_who_is_withheld_and_who_is_held(changes, prior, wht, status, reason) -> None:
    payee = parse_payee({**ROW, **changes})
    payment = decide_payment(PayoutLine("CO-1", "ana", 123456), payee, prior, ON)
    assert (payment.wht_sen, payment.status, payment.reason) == (wht, status, reason)
    assert payment.net_sen == 123456 - wht


def test_no_payee_record_is_held_under_either_rule() -> None:
    line = PayoutLine("CO-1", "ana", 1000)
    assert decide_payment(line, None, 0, FinanceSwitches(einvoice=True)).reason == "no_payee_record"
    assert decide_payment(line, None, 100_000_01, FinanceSwitches(s107d=True)).reason == "no_payee_record"
    assert decide_payment(line, None, 100_000_00, FinanceSwitches(s107d=True)).status == "paid"


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"entity_type": "trust"}, "entity_type", "unknown_entity_type"),
        ({"id_number": "90010114567"}, "id_number", "bad_nric"),
        ({"id_number": "9001011456AB"}, "id_number", "bad_nric"),
        ({"resident": "maybe"}, "resident", "bad_resident"),
        ({"id_type": "ARMY"}, "id_type", "unknown_id_type"),
        ({"id_type": ""}, "id_type", "missing_value"),
        ({"entity_type": "company", "id_type": "BRN", "id_number": "201901012345"}, "tin", "missing_tin"),
        ({"state": "Atlantis"}, "state", "unknown_state"),
        ({"creator_id": " @ "}, "creator_id", "missing_key"),
    ],
)
def test_bad_payee_rows_name_the_field_and_never_the_value(changes, field, reason) -> None:
    with pytest.raises(PayeeRowProblem) as caught:
        parse_payee({**ROW, **changes}, file="payees.csv", row=7)
    assert (caught.value.field, caught.value.reason) == (field, reason)
    assert str(caught.value).startswith(f"payees.csv: row 7: {field}: ")
    assert "90010114567" not in str(caught.value) and "Atlantis" not in str(caught.value)


def test_nric_written_with_dashes_is_twelve_digits_and_masked_everywhere_shown() -> None:
    payee = parse_payee({**ROW, "id_number": "900101-14-5671", "creator_id": "@ANA "})
    assert (payee.creator_id, payee.id_number) == ("ana", "900101145671")
    assert payee.masked()["id_number"] == "********5671" == mask_identifier("900101145671")
    assert "900101145671" not in repr(payee) and "900101145671" not in str(payee.masked())


def test_identity_encrypted_and_the_key_rotated() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    identity = parse_payee(ROW).identity()
    token = PayeeCipher(old).encrypt(identity)
    assert "900101145671" not in token and "Ana" not in token
    assert PayeeCipher(old).decrypt(token) == identity
    # rotation: the new key goes in front; old tokens still open, and rotate() re-encrypts under the new key
    both = PayeeCipher(f"{new},{old}")
    assert both.decrypt(token) == identity
    rotated = both.rotate(token)
    assert PayeeCipher(new).decrypt(rotated) == identity
    with pytest.raises(PayeeKeyInvalid):
        PayeeCipher(new).decrypt(token)  # the old token needs the old key until it is rotated
    with pytest.raises(PayeeKeyInvalid):
        PayeeCipher("not a key")


def test_the_key_comes_from_the_variable_and_is_required_outside_the_demo(monkeypatch) -> None:
    monkeypatch.delenv("AIRFLOW_VAR_PAYEE_DATA_KEY", raising=False)
    with pytest.raises(PayeeKeyMissing, match="payee_data_key"):
        resolve_payee_key(lambda: None)
    assert resolve_payee_key(lambda: "from-variable") == "from-variable"
    monkeypatch.setenv("AIRFLOW_VAR_PAYEE_DATA_KEY", "from-env")
    assert resolve_payee_key(lambda: "from-variable") == "from-env"


def test_cp58_is_required_strictly_above_rm5000_and_due_31_march() -> None:
    from creator_ops.core.finance.cp58 import cp58_rows, due_date

    payee = parse_payee(ROW)
    rows = cp58_rows({"ana": 4000_00, "ben": 4999_99, "cy": 0}, {"ana": 1000_00, "ben": 1_01}, {"ana": 80_00},
                     {"ana": payee})  # fmt: skip
    assert [(r.creator_id, r.total_sen, r.required) for r in rows] == [("ana", 5000_00, False), ("ben", 5001_00, True)]
    assert rows[0].row()["id_number_masked"] == "********5671" and rows[1].row()["entity_type"] == ""
    assert due_date(2027) == dt.date(2028, 3, 31)


def test_payments_csv_is_formula_safe() -> None:
    from creator_ops.core.finance.withholding import payments_csv

    payment = decide_payment(PayoutLine("CO-1", "=hyperlink(\"http://x\")", 1000), None, 0, FinanceSwitches())
    lines = payments_csv([payment]).decode().splitlines()
    assert lines[1].startswith("CO-1,\"'=hyperlink(\"\"http://x\"\")\",10.00,0.00,10.00,paid,")
