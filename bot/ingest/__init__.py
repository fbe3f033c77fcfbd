"""Dump ingestion: streaming parsers that turn newsroom dump files (plain text, JSON, JSONL) into ``Article`` values.

Entry points: :func:`bot.ingest.formats.iter_dump` (a file's articles as it reads them) and
:func:`bot.ingest.service.ingest_paths` (files into the store, in batches). Nothing here is imported
eagerly, so importing the package has no side effects.
"""
