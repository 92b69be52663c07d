"""Creator campaign operations: campaign specs turned into Airflow runbooks.

`creator_ops.core` is plain Python (no Airflow import): the spec model, the campaign
calendar, readers, payout rules. `creator_ops.warehouse` owns the SQL schema.
`creator_ops.airflow` turns specs into DAGs, hooks and operators.
"""
