"""Campaign steps: plain functions `step(ctx: StepContext)` that the DAG's operators call."""
