"""Each self-billed document against the MyInvois field list derived from LHDN's SDK pages.

The field list (tests/fixtures/finance/myinvois_self_billed_fields.json) names its sources:
the self-billed invoice v1.1 data structure tables and the 1.1 self-billed invoice and
credit note JSON samples. Every mandatory field must be present and non-empty, every
element name must be one the published sample uses, every value an array of objects
holding `_` and attributes, and the document unsigned (finance's system signs it).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from repo_paths import FIXTURES

from creator_ops.core.finance.einvoice import (
    CLASSIFICATION,
    DocumentSpec,
    build_document,
    document_bytes,
    parse_document,
)
from creator_ops.core.finance.payees import parse_company, parse_payee
from creator_ops.core.finance.prepare import Adjustment, adjusted_payment, adjustment_document
from creator_ops.core.finance.withholding import FinanceSwitches
from creator_ops.core.spec import load_spec

FIELDS = json.loads((FIXTURES / "finance" / "myinvois_self_billed_fields.json").read_text(encoding="utf-8"))
SPEC = load_spec(FIXTURES / "finance" / "spec.yaml")
COMPANY = parse_company(
    {"name": "Kedai Contoh Sdn. Bhd.", "tin": "C21234567080", "brn": "202001234567", "address": "Lot 66, Jalan X",
     "city": "Kuala Lumpur", "state": "Kuala Lumpur", "phone": "03-2161 2345", "email": "f@kedai.example"}
)  # fmt: skip
PAYEE = parse_payee(
    {"creator_id": "@Siti ", "entity_type": "individual", "resident": "Yes", "legal_name": "Siti Nurhaliza binti Tarudin",
     "id_type": "nric", "id_number": "850101-10-5678", "address": "No 1, Jalan Mawar, Taman Melati",
     "postcode": "53100", "city": "Kuala Lumpur", "state": "Selangor", "phone": "012-345 6789"}
)  # fmt: skip
_FILTER = re.compile(r"^(?P<name>\w+)\[(?P<child>\w+)\.(?P<attr>\w+)=(?P<values>[\w|]+)\]$")


def resolve(document: dict[str, Any], path: str) -> list[Any]:
    """Return every value at `path` (the field list's syntax: elements, [X.attr=A|B] filters, `_`, `@attr`)."""
    nodes: list[Any] = [document]
    for step in path.split("/"):
        found: list[Any] = []
        for node in nodes:
            if step == "_" or step.startswith("@"):
                key = "_" if step == "_" else step[1:]
                if isinstance(node, dict) and key in node:
                    found.append(node[key])
                continue
            match = _FILTER.match(step)
            name = match["name"] if match else step
            for item in node.get(name, []) if isinstance(node, dict) else []:
                if match:
                    child = (item.get(match["child"]) or [{}])[0]
                    if child.get(match["attr"]) not in match["values"].split("|"):
                        continue
                found.append(item)
        nodes = found
    return nodes


def walk_elements(node: Any, out: set[str]) -> None:
    """Collect element names; assert every element is an array of objects (MyInvois' JSON shape)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "_" or key in FIELDS["sample_attributes"] or key in FIELDS["namespaces"]:
                assert not isinstance(value, (list, dict)), f"{key} holds a value, not a structure"
                continue
            assert isinstance(value, list) and value and all(isinstance(i, dict) for i in value), key
            out.add(key)
            for item in value:
                walk_elements(item, out)


def check_structure(document: dict[str, Any], *, note: bool) -> None:
    assert {k: document[k] for k in FIELDS["namespaces"]} == FIELDS["namespaces"]
    for field in FIELDS["fields"]:
        values = resolve(document, field["path"])
        if "only_when_tax_type" in field:  # defined for one tax type only, in its allowed characters
            tax_types = resolve(document, field["path"].replace("TaxExemptionReason/_", "ID/_"))
            if any(t != field["only_when_tax_type"] for t in tax_types):
                assert values == [], f"{field['field']} is defined for tax type {field['only_when_tax_type']} only"
            assert all(re.fullmatch(field["allowed"], str(v)) for v in values), f"characters: {field['field']}"
        if field["field"] == "Issuer's Digital Signature":
            assert values == [] and "UBLExtensions" not in document["Invoice"][0], "the product writes unsigned"
        elif field["mandatory"] == "M" or (field["mandatory"] == "C" and note):
            assert values, f"mandatory field missing: {field['field']} ({field['path']})"
            assert all(v not in ("", None) for v in values), f"empty: {field['field']}"
    elements: set[str] = set()
    walk_elements(document, elements)
    unknown = elements - set(FIELDS["sample_elements"]) - {"Invoice"}
    assert not unknown, f"elements the published sample does not use: {sorted(unknown)}"


def _invoice(amount_sen: int = 123456) -> dict[str, Any]:
    doc = DocumentSpec("CO-0000000000000000000A", "11", amount_sen, "Creator incentive", dt.date(2027, 3, 24),
                       (dt.date(2027, 3, 3), dt.date(2027, 3, 3)))  # fmt: skip
    return parse_document(document_bytes(build_document(doc, PAYEE, COMPANY)))


def test_self_billed_invoice_has_every_mandatory_field_of_the_published_list() -> None:
    document = _invoice()
    check_structure(document, note=False)
    invoice = document["Invoice"][0]
    assert invoice["InvoiceTypeCode"] == [{"_": "11", "listVersionID": "1.1"}]
    assert invoice["DocumentCurrencyCode"] == [{"_": "MYR"}]
    line = invoice["InvoiceLine"][0]
    assert line["Item"][0]["CommodityClassification"] == [
        {"ItemClassificationCode": [{"_": CLASSIFICATION, "listID": "CLASS"}]}
    ]
    assert line["TaxTotal"][0]["TaxSubtotal"][0]["TaxCategory"][0]["ID"] == [{"_": "06"}]
    assert invoice["LegalMonetaryTotal"][0]["PayableAmount"] == [{"_": Decimal("1234.56"), "currencyID": "MYR"}]
    supplier = invoice["AccountingSupplierParty"][0]["Party"][0]
    assert supplier["IndustryClassificationCode"] == [{"_": "00000", "name": "NOT APPLICABLE"}]
    assert supplier["PostalAddress"][0]["CountrySubentityCode"] == [{"_": "10"}]  # Selangor
    assert supplier["Contact"][0]["Telephone"] == [{"_": "+60123456789"}]  # E.164
    buyer_ids = [i["ID"][0] for i in invoice["AccountingCustomerParty"][0]["Party"][0]["PartyIdentification"]]
    assert {"_": "C21234567080", "schemeID": "TIN"} in buyer_ids and {
        "_": "202001234567",
        "schemeID": "BRN",
    } in buyer_ids


def test_amounts_are_exact_json_numbers_never_floats() -> None:
    text = document_bytes(build_document(
        DocumentSpec("CO-X", "11", 10, "x", dt.date(2027, 1, 2)), PAYEE, COMPANY)).decode()  # fmt: skip
    assert '"_": 0.10,' in text and '"_": 0.00,' in text
    assert "\u00a7" not in text


@pytest.mark.parametrize(("old", "new", "type_code"), [(123456, 100000, "12"), (100000, 123456, "13")])
def test_clawback_after_approval_is_a_self_billed_credit_note_of_the_difference(old, new, type_code) -> None:
    adjustment = Adjustment("siti", "CO-ADJ000000000000001", "CO-ORIGINAL0000000001", old, new, old_wht_sen=2469)
    reference, content = adjustment_document(adjustment, PAYEE, COMPANY, SPEC)
    document = parse_document(content)
    check_structure(document, note=True)
    invoice = document["Invoice"][0]
    assert invoice["InvoiceTypeCode"] == [{"_": type_code, "listVersionID": "1.1"}]
    assert invoice["BillingReference"][0]["InvoiceDocumentReference"][0]["ID"] == [{"_": "CO-ORIGINAL0000000001"}]
    assert invoice["LegalMonetaryTotal"][0]["PayableAmount"][0]["_"] == Decimal("234.56")  # |new - old|, positive
    # withholding recomputed on the new gross, less what was withheld on the old: 2000 - 2469 or 2469 - 2469 + …
    payment = adjusted_payment(adjustment, PAYEE, 100_000_01, FinanceSwitches(s107d=True, einvoice=True))
    assert payment.gross_sen == new - old
    assert payment.wht_sen == (2 * new + 50) // 100 - 2469
    assert payment.net_sen == payment.gross_sen - payment.wht_sen


def test_a_creator_new_in_the_adjustment_gets_an_invoice_not_a_note() -> None:
    adjustment = Adjustment("siti", "CO-NEW", None, 0, 5000)
    assert parse_document(adjustment_document(adjustment, PAYEE, COMPANY, SPEC)[1])["Invoice"][0][
        "InvoiceTypeCode"] == [{"_": "11", "listVersionID": "1.1"}]  # fmt: skip


def test_a_zero_or_negative_document_is_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        build_document(DocumentSpec("CO-X", "11", 0, "x", dt.date(2027, 1, 2)), PAYEE, COMPANY)


def test_the_structure_check_catches_a_missing_field_an_invented_element_and_a_bare_value() -> None:
    missing = _invoice()
    del missing["Invoice"][0]["AccountingSupplierParty"][0]["Party"][0]["PartyIdentification"][0]
    with pytest.raises(AssertionError, match="Supplier's TIN"):
        check_structure(missing, note=False)
    invented = _invoice()
    invented["Invoice"][0]["WithholdingTax"] = [{"_": "24.69"}]
    with pytest.raises(AssertionError, match="WithholdingTax"):
        check_structure(invented, note=False)
    bare = _invoice()
    bare["Invoice"][0]["DocumentCurrencyCode"] = "MYR"
    with pytest.raises(AssertionError, match="DocumentCurrencyCode"):
        check_structure(bare, note=False)
    unsigned_note = _invoice()
    with pytest.raises(AssertionError, match="Original e-Invoice"):
        check_structure(unsigned_note, note=True)  # a note without the invoice it corrects


def test_tax_exemption_text_only_for_exempt_tax_in_its_characters() -> None:
    """Tax type 06 (not applicable) carries no TaxExemptionReason; E carries one in `. - , ( )` and alphanumerics."""
    from creator_ops.core.finance.einvoice import tax_category

    document = _invoice()
    assert "TaxExemptionReason" not in json.dumps(document, default=str)
    assert tax_category("E", "Exempt under Sales Tax (Persons Exempted) Order 2018, item 1")[0]["TaxExemptionReason"]
    for tax_type, text in (("06", "Not applicable"), ("E", "Not applicable: incentive"), ("E", "x" * 301),
                           ("E", "")):  # fmt: skip
        with pytest.raises(ValueError):
            tax_category(tax_type, text)
    # the structure check itself catches the old text (a colon, on tax type 06)
    category = document["Invoice"][0]["TaxTotal"][0]["TaxSubtotal"][0]["TaxCategory"][0]
    category["TaxExemptionReason"] = [{"_": "Not applicable: incentive payment, not a taxable supply"}]
    with pytest.raises(AssertionError, match="tax type E only"):
        check_structure(document, note=False)
