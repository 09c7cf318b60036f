"""Governed ingest: read exports, map columns, validate, minimise, pseudonymise, commit batches."""
