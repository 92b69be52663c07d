"""One module per DAG stage; each has `build(stage: StageBuilder)`."""
