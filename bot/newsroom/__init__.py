"""What the desk asks about: topics and tagging, topic briefs, the day's keywords.

Reads the store; imports ``bot.store``, ``bot.app``, ``bot.chat.results`` and ``summarizer``.
"""
