"""Errors meant for people: the CLI prints them as one line, adapters as a reply."""


class UserError(Exception):
    """Bad input or configuration, explained in one line; never a traceback."""

    exit_code = 2

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class ConfigError(UserError, ValueError):
    """A config file is missing, unreadable or invalid; the message names the file."""
