"""The payees data set and the company (buyer) file: read, check, mask (SPEC section 14).

A payees file is read like every export (CSV, XLSX, JSON lines or Parquet, any encoding and
delimiter; header aliases from the data set registry, `SPECS["payees"]`), then each row is
checked: `entity_type` one of six, `resident` yes/no, `id_type` NRIC/PASSPORT/BRN, an NRIC
12 digits (dashes and spaces dropped), a business (BRN) with its TIN, a Malaysian state by
name or MyInvois code. The last row per creator wins. A bad row is a `PayeeRowProblem`
naming file, row and field, and never the value (identity numbers stay out of messages).

`strict=True` (the command line) stops at the first bad row; ingestion quarantines it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from creator_ops.core.errors import CreatorOpsError

ENTITY_TYPES = ("individual", "sole_proprietor", "partnership", "llp", "company", "foreign")
ID_TYPES = ("NRIC", "PASSPORT", "BRN")
# The identity a self-billed e-invoice and a CP58 carry in clear: encrypted at rest, masked on screen.
IDENTITY_FIELDS = ("legal_name", "id_type", "id_number", "tin", "address", "postcode", "city", "state", "country",
                   "phone")  # fmt: skip
_TRUE = {"yes", "y", "true", "t", "1", "ya", "resident"}
_FALSE = {"no", "n", "false", "f", "0", "tidak", "non_resident", "non-resident", "nonresident"}
_TIN = re.compile(r"^[A-Z]{1,2}\d{6,12}$|^EI\d{11}$")
_NRIC = re.compile(r"^[0-9]{12}$")
_PASSPORT = re.compile(r"^[A-Z0-9]{5,12}$")
_BRN = re.compile(r"^[A-Z0-9\-]{5,20}$")
_COUNTRY = re.compile(r"^[A-Z]{3}$")

# MyInvois state codes (SDK "State Codes" table), with the names ops type for them.
STATE_CODES = {
    "01": ("johor",),
    "02": ("kedah",),
    "03": ("kelantan",),
    "04": ("melaka", "malacca"),
    "05": ("negeri sembilan", "n. sembilan", "n sembilan"),
    "06": ("pahang",),
    "07": ("pulau pinang", "penang", "p. pinang"),
    "08": ("perak",),
    "09": ("perlis",),
    "10": ("selangor",),
    "11": ("terengganu",),
    "12": ("sabah",),
    "13": ("sarawak",),
    "14": ("wilayah persekutuan kuala lumpur", "kuala lumpur", "wp kuala lumpur", "w.p. kuala lumpur", "kl",
           "federal territory of kuala lumpur"),
    "15": ("wilayah persekutuan labuan", "labuan", "wp labuan", "w.p. labuan"),
    "16": ("wilayah persekutuan putrajaya", "putrajaya", "wp putrajaya", "w.p. putrajaya"),
    "17": ("not applicable",),
}  # fmt: skip
_STATE_BY_NAME = {name: code for code, names in STATE_CODES.items() for name in names}


class PayeeRowProblem(CreatorOpsError):
    """A payees row that cannot be used: `reason` is machine-readable, the message names file, row and field."""

    def __init__(self, message: str, *, reason: str, file: Any = None, row: int | None = None, field: str) -> None:
        super().__init__(message, file=file, row=row, field=field)
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.where}: {self.args[0]}"


class CompanyFileError(CreatorOpsError):
    """The company (buyer) file is missing a field or cannot be read."""

    def __str__(self) -> str:
        return f"{self.where}: {self.args[0]}" if self.where else str(self.args[0])


@dataclass(frozen=True)
class Payee:
    """One payee: who the programme pays, as the e-invoice and CP58 name it."""

    creator_id: str
    entity_type: str
    resident: bool
    legal_name: str = ""
    id_type: str = ""
    id_number: str = ""
    tin: str = ""
    address: str = ""
    postcode: str = ""
    city: str = ""
    state: str = ""  # a MyInvois state code for Malaysia, the name elsewhere
    country: str = "MYS"
    phone: str = ""

    @property
    def has_identity(self) -> bool:
        return bool(self.id_number)

    @property
    def withholdable(self) -> bool:
        """Return whether s107D can apply: a resident individual or sole proprietor."""
        return self.entity_type in ("individual", "sole_proprietor") and self.resident

    def identity(self) -> dict[str, str]:
        """Return the identity fields (what is encrypted at rest)."""
        return {name: getattr(self, name) for name in IDENTITY_FIELDS}

    def masked(self) -> dict[str, Any]:
        """Return the payee as a person may see it on a page or in a report: identity masked."""
        return {
            "creator_id": self.creator_id,
            "entity_type": self.entity_type,
            "resident": self.resident,
            "legal_name": mask_name(self.legal_name),
            "id_type": self.id_type,
            "id_number": mask_identifier(self.id_number),
            "tin": mask_identifier(self.tin),
            "has_identity": self.has_identity,
        }

    def __repr__(self) -> str:  # a payee printed by accident (a log line, a traceback) shows no identity
        return f"Payee({self.creator_id!r}, {self.entity_type}, resident={self.resident}, identity hidden)"


def payee_from_stored(creator_id: str, entity_type: str, resident: bool, identity: Mapping[str, Any]) -> Payee:
    """Rebuild a payee from its clear columns and decrypted identity."""
    return Payee(creator_id, entity_type, bool(resident), **{k: str(identity.get(k) or "") for k in IDENTITY_FIELDS})


def mask_identifier(value: str) -> str:
    """Return an identity number with all but its last four characters hidden: `********5678`."""
    if not value:
        return ""
    keep = value[-4:] if len(value) > 6 else ""
    return "*" * (len(value) - len(keep)) + keep


def mask_name(value: str) -> str:
    """Return a name as initials: `Nur Aisyah binti Ahmad` → `N. A. b. A.`."""
    return " ".join(f"{part[0]}." for part in value.split() if part)


PII_ID_WITHOUT_KEY = (
    "an id that is personal data (an e-mail, phone or IC number) needs the PII hash key to be masked apart "
    "from other people's (AIRFLOW_VAR_PII_HASH_KEY)"
)


def creator_key(value: Any, pii_key: bytes | None) -> str | None:
    """Return a creator id as every command stores and compares it: normalised, then masked by the one rule.

    None when the id is personal data and there is no key to mask it with (the caller refuses the row).
    """
    from creator_ops.core.masking import mask_id

    return mask_id(normalize_creator_id(value), pii_key)


def normalize_creator_id(value: Any) -> str:
    """Return a creator id as every data set compares it: trimmed, one leading `@` dropped, lower-cased."""
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    return (text[1:] if text.startswith("@") else text).strip().lower()


def _clean(value: Any) -> str:
    return " ".join(unicodedata.normalize("NFKC", str(value or "")).split())


def _ascii_digits(text: str) -> str:
    """Any script's decimal digit as 0-9 (`٩٠٠١٠١…` is `900101…`): an NRIC is written in ASCII everywhere."""
    if text.isascii():
        return text
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)


def state_code(state: str, country: str) -> str | None:
    """Return the MyInvois state code of a Malaysian state name or code, the text elsewhere; None if unknown."""
    if country != "MYS":
        return state or "NA"
    text = state.strip().lower()
    if re.fullmatch(r"\d{1,2}", text) and f"{int(text):02d}" in STATE_CODES:
        return f"{int(text):02d}"
    return _STATE_BY_NAME.get(re.sub(r"\s+", " ", text))


def parse_bool(value: str) -> bool | None:
    text = value.strip().lower()
    return True if text in _TRUE else False if text in _FALSE else None


def parse_payee(
    cells: Mapping[str, Any], *, file: Any = None, row: int | None = None, pii_key: bytes | None = None
) -> Payee:
    """Check one row's canonical cells and return its `Payee`; raise `PayeeRowProblem` naming the field.

    The creator id is masked by the one rule for ids (`masking.mask_id`), as every other data
    set's: a digit-only username that reads as a phone number becomes the same keyed token
    here as in the payout file, so the payment finds its payee.
    """

    def problem(field_name: str, reason: str, message: str) -> PayeeRowProblem:
        return PayeeRowProblem(message, reason=reason, file=file, row=row, field=field_name)

    creator_id = creator_key(cells.get("creator_id"), pii_key)
    if creator_id is None:
        raise problem("creator_id", "pii_key_missing", PII_ID_WITHOUT_KEY)
    if not creator_id:
        raise problem("creator_id", "missing_key", "missing (every payee names its creator)")
    entity = _clean(cells.get("entity_type")).lower().replace(" ", "_").replace("-", "_")
    if entity not in ENTITY_TYPES:
        shown = "missing" if not entity else "unknown entity type"
        raise problem("entity_type", "unknown_entity_type", f"{shown}; one of {', '.join(ENTITY_TYPES)}")
    resident_text = _clean(cells.get("resident"))
    resident = parse_bool(resident_text) if resident_text else (False if entity == "foreign" else None)
    if resident is None:
        raise problem("resident", "bad_resident", "must be yes or no")
    country = _clean(cells.get("country")).upper() or "MYS"
    if not _COUNTRY.fullmatch(country):
        raise problem("country", "bad_country", "an ISO 3166-1 alpha-3 code such as MYS")
    id_type, id_number, tin = _identity(cells, problem)
    state_text = _clean(cells.get("state"))
    state = state_code(state_text, country) if state_text else ""  # missing: the e-invoice says 17, not applicable
    if state is None:
        raise problem("state", "unknown_state", "a Malaysian state by name (Selangor, Pulau Pinang…) or code 01-17")
    return Payee(
        creator_id=creator_id,
        entity_type=entity,
        resident=bool(resident),
        legal_name=_clean(cells.get("legal_name")),
        id_type=id_type,
        id_number=id_number,
        tin=tin,
        address=_clean(cells.get("address")),
        postcode=_ascii_digits(_clean(cells.get("postcode"))),
        city=_clean(cells.get("city")),
        state=state or "",
        country=country,
        phone=_ascii_digits(_clean(cells.get("phone"))),
    )


def _identity(cells: Mapping[str, Any], problem: Any) -> tuple[str, str, str]:
    """Check id_type, id_number and tin together; return them normalized (NRIC without dashes)."""
    id_type = _clean(cells.get("id_type")).upper()
    id_number = _ascii_digits(_clean(cells.get("id_number"))).upper()
    if id_type and id_type not in ID_TYPES:
        raise problem("id_type", "unknown_id_type", f"one of {', '.join(ID_TYPES)}")
    if id_number and not id_type:
        raise problem("id_type", "missing_value", f"an id_number needs its id_type ({', '.join(ID_TYPES)})")
    if id_type == "NRIC" and id_number:
        id_number = re.sub(r"[\s\-]", "", id_number)
    checks = {
        "NRIC": (_NRIC, "bad_nric", f"an NRIC is 12 digits (this one has {len(id_number)} characters)"),
        "PASSPORT": (_PASSPORT, "bad_passport", "a passport number is 5 to 12 letters and digits"),
        "BRN": (_BRN, "bad_brn", "a business registration number is 5 to 20 letters, digits and dashes"),
    }
    if id_number and not checks[id_type][0].fullmatch(id_number):
        raise problem("id_number", checks[id_type][1], checks[id_type][2])
    tin = re.sub(r"\s", "", _ascii_digits(_clean(cells.get("tin"))).upper())
    if tin and not _TIN.fullmatch(tin):
        raise problem("tin", "bad_tin", "a TIN is a letter prefix and digits (IG…, C…, D…), at most 14 characters")
    if id_type == "BRN" and id_number and not tin:
        raise problem("tin", "missing_tin", "a business (BRN) payee gives its TIN; general TINs are for individuals")
    return id_type, id_number, tin


@dataclass
class PayeesRead:
    """A payees file read: the payees (last row per creator wins), rows in, and the rows that were refused."""

    path: str
    payees: dict[str, Payee] = field(default_factory=dict)
    rows: list[tuple[int, Payee]] = field(default_factory=list)  # every accepted row, in file order
    problems: list[PayeeRowProblem] = field(default_factory=list)
    rows_in: int = 0
    encoding: str | None = None
    file_format: str | None = None

    @property
    def accepted(self) -> int:
        return len(self.rows)


def canonical_rows(path: Path) -> tuple[Any, list[tuple[int, dict[str, str]]], list[PayeeRowProblem]]:
    """Read any export into (raw table, [(row number, canonical cells)], rows that could not be split)."""
    from creator_ops.core.ingest.datasets import SPECS, match_columns
    from creator_ops.core.ingest.formats import read_raw
    from creator_ops.core.ingest.result import FileRejected

    spec = SPECS["payees"]

    def wanted(header: list[str]) -> bool:
        found = match_columns(spec, header)
        return all(f.column in found for f in spec.fields if f.required)

    raw = read_raw(path, wanted)
    headers = raw.table.column_names
    mapping = match_columns(spec, headers)
    missing = [f.column for f in spec.fields if f.required and f.column not in mapping]
    if missing:
        raise FileRejected(path, f"missing required column(s): {', '.join(missing)}")
    columns = {name: raw.table.column(header).to_pylist() for name, header in mapping.items()}
    numbers = raw.row_numbers.to_pylist()
    rows = [(numbers[i], {name: values[i] or "" for name, values in columns.items()}) for i in range(len(numbers))]
    bad = [
        PayeeRowProblem(b.reason.replace("_", " "), reason=b.reason, file=path, row=b.row_number, field="(row)")
        for b in raw.bad_rows
    ]
    return raw, rows, bad


def read_payees(path: str | Path, *, strict: bool = True, pii_key: bytes | None = None) -> PayeesRead:
    """Read a payees file; strict: the first bad row raises, else bad rows are kept as problems."""
    path = Path(path)
    raw, rows, bad = canonical_rows(path)
    result = PayeesRead(str(path), rows_in=raw.rows_in, encoding=raw.encoding, file_format=raw.file_format)
    if bad and strict:
        raise bad[0]
    result.problems.extend(bad)
    for number, cells in rows:
        try:
            payee = parse_payee(cells, file=path, row=number, pii_key=pii_key)
        except PayeeRowProblem as exc:
            if strict:
                raise
            result.problems.append(exc)
            continue
        result.rows.append((number, payee))
        result.payees[payee.creator_id] = payee  # the last row per creator wins
    return result


# --------------------------------------------------------------------------- the company (buyer)

COMPANY_FIELDS = ("name", "tin", "brn", "msic", "activity", "address", "postcode", "city", "state", "country",
                  "phone", "email")  # fmt: skip
COMPANY_REQUIRED = ("name", "tin", "brn", "address", "city", "state", "phone")


@dataclass(frozen=True)
class Company:
    """The buyer who issues the self-billed e-invoices: the programme's company."""

    name: str
    tin: str
    brn: str
    address: str
    city: str
    state: str
    phone: str
    msic: str = ""
    activity: str = ""
    postcode: str = ""
    country: str = "MYS"
    email: str = ""


MAX_COMPANY_BYTES = 64 * 1024
MAX_COMPANY_VALUES = 200
MAX_COMPANY_TEXT = 500  # characters in one field (an address line is far shorter)


def _check_company_value(value: Any, name: str, file: Any) -> None:
    """A company field is text (a whole number is read as its digits); anything else names the field."""
    from creator_ops.core.safe_yaml import BadScalar

    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return
    if isinstance(value, BadScalar):
        raise CompanyFileError("not a valid date or number; quote it to give it as text", file=file, field=name)
    if isinstance(value, str):
        if len(value) > MAX_COMPANY_TEXT:
            raise CompanyFileError(f"text of {len(value):,} characters, at most {MAX_COMPANY_TEXT}",
                                   file=file, field=name)  # fmt: skip
        return
    kinds = {bool: "true/false", list: "a list", dict: "a mapping", bytes: "binary data", Decimal: "a decimal number"}
    kind = kinds.get(type(value), "a date" if isinstance(value, dt.date) else f"a {type(value).__name__}")
    raise CompanyFileError(f"is {kind}; the company's fields are text (quote it)", file=file, field=name)


def parse_company(data: Any, file: Any = "<company>") -> Company:
    """Check a company mapping (YAML file or Airflow connection extra) and return the `Company`."""
    if not isinstance(data, Mapping):
        raise CompanyFileError("a company file is a mapping of name, tin, brn, address, … to values", file=file)
    unknown = sorted(str(k) for k in data if k not in COMPANY_FIELDS)
    if unknown:
        raise CompanyFileError(f"unknown key; the keys are {', '.join(COMPANY_FIELDS)}", file=file, field=unknown[0])
    for name in COMPANY_FIELDS:
        _check_company_value(data.get(name), name, file)
    values = {k: _clean(data.get(k)) for k in COMPANY_FIELDS}
    for name in COMPANY_REQUIRED:
        if not values[name]:
            raise CompanyFileError("missing (the buyer's e-invoice fields need it)", file=file, field=name)
    values["tin"] = re.sub(r"\s", "", values["tin"].upper())
    if not _TIN.fullmatch(values["tin"]):
        raise CompanyFileError("a TIN is a letter prefix and digits (C…, E…), at most 14 characters",
                               file=file, field="tin")  # fmt: skip
    values["country"] = (values["country"] or "MYS").upper()
    state = state_code(values["state"], values["country"])
    if state is None:
        raise CompanyFileError("a Malaysian state by name or code 01-17", file=file, field="state")
    values["state"] = state
    if values["msic"] and not re.fullmatch(r"\d{5}", values["msic"]):
        raise CompanyFileError("an MSIC code is 5 digits", file=file, field="msic")
    return Company(**values)


def read_company(path: str | Path) -> Company:
    """Read the company YAML file (`--company`) through the one safe YAML loader."""
    from creator_ops.core.safe_yaml import YamlFileError, read_yaml_file

    try:
        data = read_yaml_file(path, max_bytes=MAX_COMPANY_BYTES, max_values=MAX_COMPANY_VALUES, what="company file")
    except YamlFileError as exc:
        raise CompanyFileError(str(exc.args[0]), file=exc.file, field=exc.field) from None
    return parse_company(data, path)


def company_as_dict(company: Company) -> dict[str, str]:
    return asdict(company)


def payees_by_creator(rows: Iterable[Payee]) -> dict[str, Payee]:
    """Return {creator_id: payee}, the last one per creator winning."""
    out: dict[str, Payee] = {}
    for payee in rows:
        out[payee.creator_id] = payee
    return out
