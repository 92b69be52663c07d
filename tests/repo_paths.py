"""Where the tests find the repository: one definition of each path, for fixtures and module constants.

`tests/conftest.py` puts this folder on `sys.path` (pytest's rootdir conftest), so any test
module can `from repo_paths import ROOT, DEMO_SPEC`; fixtures (`project_root`,
`demo_spec_path`, `demo_spec`) serve the same values where a fixture fits.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
CAMPAIGNS = ROOT / "include" / "campaigns"
DEMO_CAMPAIGN = "my_1212_2026"
DEMO_SPEC = CAMPAIGNS / f"{DEMO_CAMPAIGN}.yaml"
FIXTURES = TESTS / "fixtures"
INGEST_FIXTURES = FIXTURES / "ingest"
SPEC_FIXTURES = FIXTURES / "specs"
