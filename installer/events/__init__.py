"""Events: the schema (the allowlist), the redaction fence, the envelope, the wire format."""
