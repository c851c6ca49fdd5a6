"""What leaves the pipeline and runs live: `export` (batch-1 TFLite with builtin ops only,
the segmenter's calibration, parity), `bundle` (the bundle folder: TFLite + labels + preprocessing spec + segmenter),
`segment` (the segmenter that cuts a stream into signs), `tracking` (MLflow: one run per result,
the registry and the champion rule) and `mlflow_model` (the bundle as an MLflow pyfunc model,
logged as code)."""
