"""Where stories come from: the inbox directory pickup (and, later, feed polling and source health).

Imports ``bot.ingest`` and ``bot.app``; never the chat side.
"""
