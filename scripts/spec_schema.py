"""Regenerate docs/campaign-spec.schema.json and the key table in docs/spec.md from the spec model."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))

from creator_ops.core.spec_schema import KEYS_BEGIN, KEYS_END, json_schema_text, keys_table  # noqa: E402

SCHEMA_FILE = ROOT / "docs" / "campaign-spec.schema.json"
SPEC_DOC = ROOT / "docs" / "spec.md"


def main() -> None:
    SCHEMA_FILE.write_text(json_schema_text(), encoding="utf-8")
    text = SPEC_DOC.read_text(encoding="utf-8")
    before, rest = text.split(KEYS_BEGIN, 1)
    _, after = rest.split(KEYS_END, 1)
    SPEC_DOC.write_text(before + keys_table() + after, encoding="utf-8")
    print(f"wrote {SCHEMA_FILE.relative_to(ROOT)} and the key table of {SPEC_DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
