"""newsdigest: newsroom article dumps in, topic briefs and daily digests out."""

__version__ = "0.1.0"
