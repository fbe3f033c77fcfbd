"""Prometheus metrics for one App: a private CollectorRegistry (no global state), served at ``/metrics``.

Each :class:`~bot.app.bootstrap.App` owns one :class:`Metrics`; code that counts something takes it from
the App it already has. Tests build many Apps in one process, which a global registry would not allow.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

__all__ = ["Metrics", "dump_format", "timed_brief"]

# File suffix -> format label (a fixed set, so a file name never becomes a new time series).
FORMAT_LABELS = {"": "text", "txt": "text", "text": "text", "json": "json", "jsonl": "jsonl", "ndjson": "jsonl",
                 "xml": "xml", "nitf": "xml", "rss": "feed", "atom": "feed"}

# Posting a digest is one to a few HTTP calls; a brief is ranking over up to a hundred stories.
POST_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
BRIEF_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LAG_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 900.0, 3600.0, 6 * 3600.0, 18 * 3600.0)


class Metrics:
    """Every counter and histogram newsdigest exports, registered on one private registry."""

    def __init__(self) -> None:
        # Imported here: a one-shot command (``newsdigest brief``) exports no metrics and must not pay for
        # the library at start-up; ingest and briefs only reach it through an App that has one.
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.stories = Counter("newsdigest_stories_total", "Stories read from dumps and feeds, by format and outcome "
                               "(new, duplicate, rejected)", ["format", "outcome"], registry=r)
        self.files = Counter("newsdigest_files_total", "Dump files taken by the inbox or the ingest command, by "
                             "outcome (ok, partial, rejected)", ["outcome"], registry=r)
        self.digests = Counter("newsdigest_digests_total", "Digest runs by platform and outcome (posted, failed, "
                               "recovered, empty)", ["platform", "outcome"], registry=r)
        self.post_seconds = Histogram("newsdigest_post_seconds", "Time to post one digest to its platform",
                                      ["platform"], buckets=POST_BUCKETS, registry=r)
        self.brief_seconds = Histogram("newsdigest_brief_seconds", "Time to build one brief (a /brief answer or a "
                                       "digest section)", buckets=BRIEF_BUCKETS, registry=r)
        # Feeds (bot/sources) count every poll here: outcome is ok, not_modified, error or rejected.
        self.source_fetches = Counter("newsdigest_source_fetches_total", "Feed and wire source polls by source "
                                      "and outcome", ["source", "outcome"], registry=r)
        self.scheduler_lag = Histogram("newsdigest_scheduler_lag_seconds", "How late a scheduled digest ran after "
                                       "its channel's local time", buckets=LAG_BUCKETS, registry=r)
        self.scheduler_running = Gauge("newsdigest_scheduler_running", "1 while the digest scheduler runs",
                                       registry=r)

    def exposition(self) -> bytes:
        """The registry in the Prometheus text format."""
        from prometheus_client import generate_latest

        return generate_latest(self.registry)


_F = TypeVar("_F", bound=Callable[..., Any])


def timed_brief(build: _F) -> _F:
    """Observe ``newsdigest_brief_seconds`` around a brief builder whose first argument is the App."""

    @functools.wraps(build)
    def timed(app: Any, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return build(app, *args, **kwargs)
        finally:
            # Only an App whose metrics exist (serve makes them at start) records the time: a one-shot
            # command exports none, so building a registry just for this would be start-up time for nothing.
            metrics = vars(app).get("metrics") if hasattr(app, "__dict__") else None  # test doubles may have none
            if isinstance(metrics, Metrics):
                metrics.brief_seconds.observe(time.perf_counter() - started)

    return cast(_F, timed)


def dump_format(path: str) -> str:
    """A bounded label for a dump's format, from its file name (what ``sniff_format`` looks at first)."""
    suffix = path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
    return FORMAT_LABELS.get(suffix, "other")
