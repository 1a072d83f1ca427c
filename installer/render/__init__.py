"""Documents generated from the schema and the product file (TELEMETRY.md)."""
