"""Where the project's files are: one definition of the project root and its folders."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[3]
INCLUDE_DIR = PROJECT_ROOT / "include"
CAMPAIGNS_DIR = INCLUDE_DIR / "campaigns"
SQL_DIR = INCLUDE_DIR / "sql"
TEMPLATES_DIR = INCLUDE_DIR / "templates"
EXPECTATIONS_DIR = INCLUDE_DIR / "expectations"
