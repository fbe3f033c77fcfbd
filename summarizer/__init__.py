"""Extractive news summarization: a pure library (no I/O, nothing from ``bot``)."""
