"""The payees' identity fields at rest: Fernet tokens under the `payee_data_key` Airflow variable.

`cryptography`'s Fernet (AES-128-CBC with HMAC-SHA256, a well-kept library, no home-made
cipher). The variable holds one key, or several separated by commas, newest first:
`MultiFernet` encrypts with the first and decrypts with any, so a key is rotated by
putting the new key in front (`NEW,OLD`), re-encrypting the stored rows
(`python -m creator_ops.warehouse.payees rotate-key`), then dropping the old key.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from creator_ops.core.errors import CreatorOpsError

VARIABLE = "payee_data_key"
ENV_VARIABLE = "AIRFLOW_VAR_PAYEE_DATA_KEY"
# The demo's fixed key (Fernet.generate_key() once): demo payees are synthetic, so a public key hides nothing.
DEMO_PAYEE_KEY = "ZGVtby1wYXllZS1rZXktLW5vdC1hLXNlY3JldC0tLS0="


class PayeeKeyMissing(CreatorOpsError):
    """No `payee_data_key`: payee identity fields are never stored in clear text."""


class PayeeKeyInvalid(CreatorOpsError):
    """The `payee_data_key` value is not one or more Fernet keys, or does not open a stored row."""


def resolve_payee_key(variable_lookup: Callable[[], str | None] | None = None, *, demo: bool = False) -> str:
    """Return the key text: AIRFLOW_VAR_PAYEE_DATA_KEY, the Airflow variable, then (demo only) the demo key."""
    import os

    value = os.environ.get(ENV_VARIABLE) or (variable_lookup() if variable_lookup else None)
    if value:
        return value
    if demo:
        return DEMO_PAYEE_KEY
    raise PayeeKeyMissing(
        f"no payee data key: set the Airflow variable '{VARIABLE}' ({ENV_VARIABLE} in the environment) to a "
        "Fernet key (python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')"
    )


class PayeeCipher:
    """Encrypts and decrypts a payee's identity fields as one Fernet token (JSON inside)."""

    def __init__(self, key_text: str) -> None:
        from cryptography.fernet import Fernet, MultiFernet

        keys = [k.strip() for k in key_text.split(",") if k.strip()]
        if not keys:
            raise PayeeKeyInvalid(f"the {VARIABLE} variable is empty")
        try:
            self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])
        except (ValueError, TypeError):
            raise PayeeKeyInvalid(
                f"the {VARIABLE} variable must hold Fernet keys (32 url-safe base64 bytes), comma-separated, "
                "newest first"
            ) from None
        self.key_count = len(keys)

    def encrypt(self, fields: Mapping[str, Any]) -> str:
        """Return the token of `fields` (JSON, keys sorted) under the newest key."""
        return self._fernet.encrypt(json.dumps(dict(fields), sort_keys=True).encode()).decode()

    def decrypt(self, token: str) -> dict[str, Any]:
        """Return the fields of a token made under any of the keys."""
        from cryptography.fernet import InvalidToken

        try:
            return json.loads(self._fernet.decrypt(token.encode()))
        except InvalidToken:
            raise PayeeKeyInvalid(
                f"a stored payee row does not open with the {VARIABLE} key(s): after a rotation keep the old key "
                "behind the new one until every row is re-encrypted"
            ) from None

    def rotate(self, token: str) -> str:
        """Return the token re-encrypted under the newest key (it opened under any of them)."""
        from cryptography.fernet import InvalidToken

        try:
            return self._fernet.rotate(token.encode()).decode()
        except InvalidToken:
            raise PayeeKeyInvalid(f"a stored payee row does not open with any {VARIABLE} key") from None
