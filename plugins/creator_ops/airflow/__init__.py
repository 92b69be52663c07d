"""Thin Airflow pieces: the campaign timetable, hooks, operators and the DAG builder."""

from creator_ops.core.storage import use_opener


def object_storage_path(uri: str, conn_id: str | None):
    """Open an object-storage root (`s3://bucket/prefix`) as Airflow's `ObjectStoragePath` on `conn_id`."""
    from airflow.sdk import ObjectStoragePath

    return ObjectStoragePath(uri, conn_id=conn_id)


# Every process that loads the Airflow layer (workers, the API server, dag.test) opens s3:// roots
# through Airflow's object storage and its connection; core stays free of Airflow.
use_opener(object_storage_path)
