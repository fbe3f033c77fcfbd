"""Dump ingestion: parsers that turn newsroom dump files (plain text, JSON, JSONL) into ``Article`` values.

Entry point: :func:`bot.ingest.formats.parse_dump` / :func:`bot.ingest.formats.parse_bytes`.
Nothing here is imported eagerly, so importing the package has no side effects.
"""
