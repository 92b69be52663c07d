-- Runs once, on the first start of the PostgreSQL container: the campaign warehouse
-- lives in its own database beside Airflow's metadata database (owned by the same role).
CREATE DATABASE creator_ops OWNER airflow;
