"""The project's own docs stay true to the code they describe, and never point outside the repo."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from repo_paths import ROOT

DOCS = ROOT / "docs"


def test_datasets_doc_names_every_data_set_and_column():
    from creator_ops.core.ingest.datasets import SPECS

    text = (DOCS / "datasets.md").read_text(encoding="utf-8")
    for name, spec in SPECS.items():
        assert f"`{name}`" in text, name
        for field in spec.fields:
            assert f"`{field.column}`" in text, f"{name}.{field.column}"


@pytest.mark.parametrize("path", [ROOT / "README.md", *sorted(DOCS.glob("*.md"))], ids=lambda p: p.name)
def test_docs_link_only_inside_the_repo(path):
    text = path.read_text(encoding="utf-8")
    assert "../shared" not in text and "SPEC.md" not in text
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text):
        if "://" not in target:
            assert (path.parent / target).exists(), f"{path.name} links to missing {target}"


def test_spec_schema_and_key_table_are_current():
    from creator_ops.core.spec_schema import KEYS_BEGIN, KEYS_END, json_schema_text, keys_table

    regenerate = "stale: run .venv/bin/python scripts/spec_schema.py"
    assert (DOCS / "campaign-spec.schema.json").read_text(encoding="utf-8") == json_schema_text(), regenerate
    doc = (DOCS / "spec.md").read_text(encoding="utf-8")
    start, end = doc.index(KEYS_BEGIN), doc.index(KEYS_END) + len(KEYS_END)
    assert doc[start:end] == keys_table(), regenerate


def _yaml_blocks(path: Path) -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", path.read_text(encoding="utf-8"), re.S)


def test_the_schema_accepts_every_demo_spec_and_the_documented_example_and_rejects_unknown_keys():
    import json

    import jsonschema

    from creator_ops.core.spec import load_yaml, parse_spec

    schema = json.loads((DOCS / "campaign-spec.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())

    def as_json(data):  # YAML's dates and exact decimals, as an editor's YAML server sees them
        return json.loads(json.dumps(data, default=lambda v: str(v) if not hasattr(v, "as_tuple") else float(v)))

    example = _yaml_blocks(DOCS / "spec.md")[-1]
    documents = [load_yaml(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "include" / "campaigns").glob("*.yaml"))]
    documents.append(load_yaml(example))
    parse_spec(load_yaml(example), "docs/spec.md")  # the documented example is a valid spec
    for data in documents:
        assert list(validator.iter_errors(as_json(data))) == []
    wrong = as_json({**documents[-1], "budget": 1})
    assert [e.validator for e in validator.iter_errors(wrong)] == ["additionalProperties"]


def test_readme_documents_every_setting():
    from creator_ops.core.settings import Settings, env_name

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Settings") :]
    assert [name for name in map(env_name, Settings.model_fields) if f"`{name}`" not in section] == []


def test_settings_read_the_environment_and_name_a_bad_variable(monkeypatch):
    from creator_ops.core.settings import SettingsError, settings

    monkeypatch.setenv("CREATOR_OPS_DEMO", "on")
    monkeypatch.setenv("CAMPAIGN_SPECS_DIR", "/srv/specs")
    monkeypatch.setenv("CREATOR_OPS_OUTPUT_ROOT", "")  # empty means unset
    current = settings()
    assert current.demo is True and str(current.campaign_specs_dir) == "/srv/specs"
    assert current.output_root.name == "output"
    monkeypatch.setenv("CREATOR_OPS_DEADLINE_ALERTS", "maybe")
    with pytest.raises(SettingsError, match="CREATOR_OPS_DEADLINE_ALERTS='maybe'"):
        settings()
