"""Consent: the consent record on disk (``record``) and the pure decision (``decision``)."""
