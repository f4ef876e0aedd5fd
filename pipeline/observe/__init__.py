"""Operating the pipeline: metrics, the status page, readable logs."""
