"""Getting digests out: channel settings, digest composition, the run ledger, due times, the scheduler.

Talks to chat only through ``bot.chat.ports``; never imports an adapter.
"""
