"""Self-billed e-invoices in MyInvois's UBL 2.1 JSON, document version 1.1, unsigned (SPEC section 14).

One document per paid payment, never consolidated: `InvoiceTypeCode` 11 (self-billed invoice),
12 (self-billed credit note: an approved payment went down) or 13 (self-billed debit note: it
went up), each note referring to the original invoice. The buyer (the company) issues it; the
supplier is the creator. Every value is an array of objects holding `_` and its attributes,
as MyInvois's JSON samples write them (`1.1-Self-Billed-Invoice-Sample.json`).

Deterministic: the issue date is the payout date (finance's system sets the real issue moment
when it signs and submits), keys keep one order and amounts are exact two-decimal numbers,
so a rerun writes byte-identical files. Files are written readable by their owner only.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

from creator_ops.core.finance.payees import Company, Payee
from creator_ops.core.money import format_myr

SELF_BILLED_INVOICE = "11"
SELF_BILLED_CREDIT_NOTE = "12"
SELF_BILLED_DEBIT_NOTE = "13"
DOCUMENT_VERSION = "1.1"
CLASSIFICATION = "037"  # Self-billed - Monetary payment to agents, dealers or distributors
TAX_NOT_APPLICABLE = "06"
TAX_EXEMPT = "E"
# "Details of Tax Exemption" (TaxCategory/TaxExemptionReason): defined for tax type E (tax exemption)
# only, at most 300 characters of letters, digits, spaces and the special characters . - , ( )
EXEMPTION_TEXT = re.compile(r"[A-Za-z0-9 .,()\-]{1,300}")
GENERAL_TIN_INDIVIDUAL = "EI00000000010"  # a Malaysian individual with only an NRIC
GENERAL_TIN_FOREIGN_SUPPLIER = "EI00000000030"
SUPPLIER_MSIC = "00000"
SUPPLIER_ACTIVITY = "NOT APPLICABLE"
NAMESPACES = {
    "_D": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "_A": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "_B": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
FILE_MODE = 0o600
_AMOUNT = re.compile('"\u00a7(-?\\d+\\.\\d{2})\u00a7"')


def v(value: Any, **attributes: str) -> list[dict[str, Any]]:
    """Return one UBL JSON value: `[{"_": value, attribute: …}]`."""
    return [{"_": value, **attributes}]


def _amount(sen: int) -> list[dict[str, Any]]:
    # written as an exact JSON number by `document_bytes` (never a binary float)
    return v(f"\u00a7{format_myr(sen)}\u00a7", currencyID="MYR")


def supplier_tin(payee: Payee) -> str:
    """Return the creator's TIN, else LHDN's general TIN for an NRIC holder or a foreign supplier."""
    if payee.tin:
        return payee.tin
    if payee.id_type == "NRIC":
        return GENERAL_TIN_INDIVIDUAL
    if payee.entity_type == "foreign" or payee.id_type == "PASSPORT" or payee.country != "MYS":
        return GENERAL_TIN_FOREIGN_SUPPLIER
    return GENERAL_TIN_INDIVIDUAL


def _phone(text: str) -> str:
    from creator_ops.core.ingest.pii import normalize_phone

    return (normalize_phone(text) or "NA") if text else "NA"


def _address_lines(address: str) -> list[dict[str, Any]]:
    """Split an address at commas into at most three lines of 150 characters (MyInvois' limits)."""
    parts = [p.strip() for p in address.split(",") if p.strip()] or ["NA"]
    lines: list[str] = []
    for part in parts:
        if lines and len(lines) < 3 and len(lines[-1]) + 2 + len(part) <= 150:
            lines[-1] = f"{lines[-1]}, {part}"
        elif len(lines) < 3:
            lines.append(part[:150])
        else:
            lines[-1] = f"{lines[-1]}, {part}"[:150]
    return [{"Line": v(line)} for line in lines]


def _postal_address(address: str, postcode: str, city: str, state: str, country: str) -> list[dict[str, Any]]:
    out: dict[str, Any] = {"CityName": v(city or "NA")}
    if postcode:
        out["PostalZone"] = v(postcode)
    out["CountrySubentityCode"] = v(state or "17")
    out["AddressLine"] = _address_lines(address)
    out["Country"] = [{"IdentificationCode": v(country or "MYS", listID="ISO3166-1", listAgencyID="6")}]
    return [out]


def supplier_party(payee: Payee) -> list[dict[str, Any]]:
    """Return `AccountingSupplierParty`: the creator, with TIN, identity, SST/TTX `NA`, MSIC 00000."""
    identification = [{"ID": v(supplier_tin(payee), schemeID="TIN")}]
    if payee.id_type and payee.id_number:
        identification.append({"ID": v(payee.id_number, schemeID=payee.id_type)})
    identification += [{"ID": v("NA", schemeID="SST")}, {"ID": v("NA", schemeID="TTX")}]
    party = {
        "IndustryClassificationCode": v(SUPPLIER_MSIC, name=SUPPLIER_ACTIVITY),
        "PartyIdentification": identification,
        "PostalAddress": _postal_address(payee.address, payee.postcode, payee.city, payee.state, payee.country),
        "PartyLegalEntity": [{"RegistrationName": v(payee.legal_name or "NA")}],
        "Contact": [{"Telephone": v(_phone(payee.phone))}],
    }
    return [{"Party": [party]}]


def customer_party(company: Company) -> list[dict[str, Any]]:
    """Return `AccountingCustomerParty`: the company, with its TIN and BRN."""
    contact: dict[str, Any] = {"Telephone": v(_phone(company.phone))}
    if company.email:
        contact["ElectronicMail"] = v(company.email)
    party = {
        "PostalAddress": _postal_address(company.address, company.postcode, company.city, company.state,
                                         company.country),
        "PartyLegalEntity": [{"RegistrationName": v(company.name)}],
        "PartyIdentification": [
            {"ID": v(company.tin, schemeID="TIN")},
            {"ID": v(company.brn, schemeID="BRN")},
            {"ID": v("NA", schemeID="SST")},
            {"ID": v("NA", schemeID="TTX")},
        ],
        "Contact": [contact],
    }  # fmt: skip
    return [{"Party": [party]}]


def tax_category(tax_type: str, exemption: str | None = None) -> list[dict[str, Any]]:
    """Return a TaxCategory; `TaxExemptionReason` only for an exempt tax (`E`), where the field table defines it.

    The incentive's tax type is `06` (not applicable), which carries no exemption text. An
    exemption text outside the field's characters (letters, digits, spaces, `. - , ( )`) or
    given for another tax type is refused, never written for MyInvois to reject.
    """
    category: dict[str, Any] = {"ID": v(tax_type)}
    if exemption is not None:
        if tax_type != TAX_EXEMPT:
            raise ValueError(f"a tax exemption reason is defined for tax type {TAX_EXEMPT} only, not {tax_type}")
        if not EXEMPTION_TEXT.fullmatch(exemption):
            raise ValueError("a tax exemption reason is 1-300 letters, digits, spaces and . - , ( )")
        category["TaxExemptionReason"] = v(exemption)
    category["TaxScheme"] = [{"ID": v("OTH", schemeID="UN/ECE 5153", schemeAgencyID="6")}]
    return [category]


def _tax_total(sen: int) -> list[dict[str, Any]]:
    return [
        {
            "TaxAmount": _amount(0),
            "TaxSubtotal": [
                {
                    "TaxableAmount": _amount(sen),
                    "TaxAmount": _amount(0),
                    "TaxCategory": tax_category(TAX_NOT_APPLICABLE),
                }
            ],
        }
    ]


@dataclass(frozen=True)
class DocumentSpec:
    """What one document says: its reference, type, amount (positive), and the invoice a note corrects."""

    document_id: str
    type_code: str
    amount_sen: int
    description: str
    issue_date: dt.date
    period: tuple[dt.date, dt.date] | None = None
    original_id: str | None = None  # a credit or debit note: the invoice it refers to


def build_document(doc: DocumentSpec, payee: Payee, company: Company) -> dict[str, Any]:
    """Return the UBL 2.1 JSON document (unsigned) of one self-billed invoice, credit or debit note."""
    if doc.amount_sen <= 0:
        raise ValueError("a document's amount is positive; a decrease is a credit note of the difference")
    invoice: dict[str, Any] = {
        "ID": v(doc.document_id),
        "IssueDate": v(doc.issue_date.isoformat()),
        "IssueTime": v("00:00:00Z"),
        "InvoiceTypeCode": v(doc.type_code, listVersionID=DOCUMENT_VERSION),
        "DocumentCurrencyCode": v("MYR"),
        "TaxCurrencyCode": v("MYR"),
    }
    if doc.period is not None:
        invoice["InvoicePeriod"] = [
            {
                "StartDate": v(doc.period[0].isoformat()),
                "EndDate": v(doc.period[1].isoformat()),
                "Description": v("Not Applicable"),
            }
        ]
    if doc.original_id is not None:
        # UUID: LHDN's identifier of the original, known once finance's system has submitted it
        invoice["BillingReference"] = [{"InvoiceDocumentReference": [{"ID": v(doc.original_id), "UUID": v("NA")}]}]
    invoice["AccountingSupplierParty"] = supplier_party(payee)
    invoice["AccountingCustomerParty"] = customer_party(company)
    invoice["TaxTotal"] = _tax_total(doc.amount_sen)
    invoice["LegalMonetaryTotal"] = [
        {
            "LineExtensionAmount": _amount(doc.amount_sen),
            "TaxExclusiveAmount": _amount(doc.amount_sen),
            "TaxInclusiveAmount": _amount(doc.amount_sen),
            "PayableAmount": _amount(doc.amount_sen),
        }
    ]
    invoice["InvoiceLine"] = [
        {
            "ID": v("1"),
            "InvoicedQuantity": v("\u00a71.00\u00a7", unitCode="C62"),
            "LineExtensionAmount": _amount(doc.amount_sen),
            "TaxTotal": _tax_total(doc.amount_sen),
            "Item": [
                {
                    "CommodityClassification": [{"ItemClassificationCode": v(CLASSIFICATION, listID="CLASS")}],
                    "Description": v(doc.description[:300]),
                }
            ],
            "Price": [{"PriceAmount": _amount(doc.amount_sen)}],
            "ItemPriceExtension": [{"Amount": _amount(doc.amount_sen)}],
        }
    ]
    return {**NAMESPACES, "Invoice": [invoice]}


def document_bytes(document: dict[str, Any]) -> bytes:
    """Serialize a document deterministically (UTF-8), amounts as exact two-decimal JSON numbers."""
    text = json.dumps(document, indent=2, ensure_ascii=False)
    return (_AMOUNT.sub(r"\1", text) + "\n").encode("utf-8")


def parse_document(data: bytes) -> dict[str, Any]:
    """Read a written document back (amounts as Decimal), for tests and checks."""
    from decimal import Decimal

    return json.loads(data, parse_float=Decimal)


def write_private(path: Any, content: bytes, *, root: Any = None) -> Any:
    """Write `content` readable and writable by the owner only (mode 0600), by the one rule for files written.

    (`safe_csv.write_atomically`: an exclusive temporary file with a random name beside the
    target, no link followed from `root` down; on object storage one put private to the
    product's credentials.) The file is always rewritten: comparing first would read, and
    chmod, whatever a link planted at the name points to.
    """
    from creator_ops.core.safe_csv import write_atomically

    return write_atomically(path, content, private=True, root=root)


def invoice_description(campaign_name: str, reference: str) -> str:
    return f"Creator campaign incentive (monetary): {campaign_name}, payment {reference}"
