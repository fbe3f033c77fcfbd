"""Platform-neutral chat: commands, the results they return, rendering, and the ports adapters implement.

Never imports slack_bolt or discord; adapters in ``bot.adapters`` import this package, not the reverse.
"""
