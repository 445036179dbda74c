"""clusterctl: the operator's command line (run, broker-check, smtp-sink)."""
