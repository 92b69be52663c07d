"""Thin Airflow pieces: the campaign timetable, hooks, operators and the DAG builder."""
