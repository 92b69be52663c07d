# Production image of the creator-ops Airflow deployment: Airflow 3.3.2 on Python 3.11
# with the project's pinned runtime requirements and its dags/, plugins/ and include/ baked in,
# so scaled Celery workers on other hosts run exactly the code the scheduler parsed.
# Test tools (requirements-dev.txt) stay out of the image.
FROM apache/airflow:3.3.2-python3.11

COPY --chown=airflow:0 requirements.txt constraints.txt /opt/airflow/
RUN pip install --no-cache-dir -r /opt/airflow/requirements.txt -c /opt/airflow/constraints.txt

COPY --chown=airflow:0 dags/ /opt/airflow/dags/
COPY --chown=airflow:0 plugins/ /opt/airflow/plugins/
COPY --chown=airflow:0 include/ /opt/airflow/include/
COPY --chown=airflow:0 pyproject.toml /opt/airflow/
# Install the project itself, in place (editable: the package stays in /opt/airflow/plugins,
# where Airflow's processes find it too), so plain `python` outside Airflow (the compose
# init's warehouse migration) imports creator_ops and `campaignctl` is on the PATH.
RUN pip install --no-cache-dir --no-deps -e /opt/airflow \
 && python -c "import creator_ops.warehouse.db" && campaignctl --help > /dev/null
