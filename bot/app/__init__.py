"""Application core: settings, wiring (bootstrap, serve), errors, the event log and time helpers.

May import from every other stage of ``bot``; nothing but the CLI and the adapters imports ``serve``.
"""
