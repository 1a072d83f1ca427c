"""Delivery: recording in memory, applying a choice, the spool, the detached sender,
the preview of the next send and the status report."""
