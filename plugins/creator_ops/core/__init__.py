"""Domain core: importable and testable without Airflow."""
