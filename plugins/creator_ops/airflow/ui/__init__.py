"""The campaigns view inside the Airflow UI (a FastAPI app registered by `creator_ops_plugin`)."""
