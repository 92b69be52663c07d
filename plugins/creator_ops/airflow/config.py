"""Airflow configuration the product reads: `[api] base_url`, read in one place."""

from __future__ import annotations

LOCAL_UI = "http://localhost:8080"


def api_base_url(fallback: str = "") -> str:
    """Return `[api] base_url` without a trailing `/` (`fallback` when it is not set)."""
    from airflow.configuration import conf

    return (conf.get("api", "base_url", fallback="") or fallback).rstrip("/")
