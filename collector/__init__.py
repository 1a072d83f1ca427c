"""The collector: ingest endpoint, SQLite storage, report, retention and forwarding."""
