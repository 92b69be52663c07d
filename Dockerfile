# Production image of the creator-ops Airflow deployment: Airflow 3.3.2 on Python 3.11
# with the project's pinned requirements and its dags/, plugins/ and include/ baked in,
# so scaled Celery workers on other hosts run exactly the code the scheduler parsed.
FROM apache/airflow:3.3.2-python3.11

COPY --chown=airflow:0 requirements.txt constraints.txt /opt/airflow/
RUN pip install --no-cache-dir -r /opt/airflow/requirements.txt -c /opt/airflow/constraints.txt

COPY --chown=airflow:0 dags/ /opt/airflow/dags/
COPY --chown=airflow:0 plugins/ /opt/airflow/plugins/
COPY --chown=airflow:0 include/ /opt/airflow/include/
