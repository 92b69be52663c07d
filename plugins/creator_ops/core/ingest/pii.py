"""Keyed hashing of personal data (e-mail, phone): the same person matches across files, nobody reads it back.

Values are normalized first (e-mail trimmed and lower-cased; phone numbers to E.164
with Malaysia as the default region) and then replaced by HMAC-SHA256 under the
`pii_hash_key` Airflow variable. The kind is part of the message (`email:` / `phone:`)
so an e-mail and a phone number never share a hash.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from creator_ops.core.ingest.result import PiiKeyMissing
from creator_ops.core.masking import keyed_hash, normalise
from creator_ops.core.settings import settings

# The demo's fixed key: demo data is synthetic, so a public key hides nothing real.
DEMO_PII_KEY = b"creator-ops-demo-key--not-a-secret"
_NOT_DIGITS = re.compile(r"[^\d+]")


def resolve_pii_key(variable_lookup: Callable[[], str | None] | None = None) -> bytes:
    """Return the PII key: AIRFLOW_VAR_PII_HASH_KEY, the Airflow variable, then (demo only) the demo key."""
    # The environment first: it is what Airflow's own variable lookup checks first, and it needs no API call.
    configured = settings()
    from_env = configured.pii_hash_key.get_secret_value() if configured.pii_hash_key else None
    value = from_env or (variable_lookup() if variable_lookup else None)
    if value:
        return value.encode()
    if configured.demo:
        return DEMO_PII_KEY
    raise PiiKeyMissing(
        "no PII hash key: set the Airflow variable 'pii_hash_key' (or AIRFLOW_VAR_PII_HASH_KEY "
        "for the command line); personal data is never stored in clear text"
    )


def normalize_email(value: str) -> str | None:
    """Return the comparable form of an e-mail address (the masker's normalised view, trimmed, lower-case)."""
    value = normalise(value).strip().lower()
    return value or None


def normalize_phone(value: str, region: str = "MY") -> str | None:
    """Return a phone number in E.164 (`+60123456789`); unparseable numbers fall back to their digits."""
    import phonenumbers

    value = normalise(value).strip()
    if not value:
        return None
    try:
        number = phonenumbers.parse(value, region)
        if phonenumbers.is_possible_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        pass
    digits = _NOT_DIGITS.sub("", value)
    return digits or None


def hash_values(values: list[str], kind: str, key: bytes) -> list[str | None]:
    """Normalize and hash each value (`kind` is "email" or "phone"); blanks give None."""
    normalize = normalize_email if kind == "email" else normalize_phone
    out: list[str | None] = []
    for value in values:
        norm = normalize(value) if value else None
        out.append(keyed_hash(key, kind, norm) if norm else None)
    return out
