"""Health, readiness and metrics with only the console adapter; the counters move as the service works."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import aiohttp

from bot.app.bootstrap import bootstrap
from bot.app.metrics import Metrics, dump_format
from bot.app.settings import load_settings
from bot.web.server import Dashboard
from tests.conftest import SAMPLE_DUMP
from tests.web_support import CHANNEL, TOKEN, client, csrf_of, log_in, running_service, wait_for

JSONL_WITH_A_BAD_RECORD = (
    '{"title": "Gold hits a record", "body": "Gold rose to a record high on Tuesday as investors sought safety."}\n'
    '{"body": "a record without a title"}\n'
)


def sample(metrics_text: str, name: str, **labels: str) -> float:
    """One sample's value from the Prometheus text format (0 when absent)."""
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in metrics_text.splitlines():
        match = re.match(r"^([a-z_]+)(?:\{([^}]*)\})? (\S+)$", line)
        if match and match.group(1) == name:
            got = ",".join(sorted((match.group(2) or "").split(","))) if match.group(2) else ""
            if got == want:
                return float(match.group(3))
    return 0.0


async def test_health_and_readiness_answer_with_only_the_console_adapter(tmp_path: Path, db_url: str) -> None:
    async with running_service(tmp_path, db_url) as svc, aiohttp.ClientSession() as http:
        assert [a.platform for a in svc.service.adapters] == ["console"]
        async with http.get(svc.url + "/healthz") as health:
            assert health.status == 200 and (await health.json())["database"] is True
        async with http.get(svc.url + "/readyz") as ready:
            assert ready.status == 200 and await ready.json() == {
                "status": "ready", "database": True, "migrated": True, "scheduler": True}


async def test_readiness_is_503_until_the_scheduler_runs(tmp_path: Path, db_url: str) -> None:
    app = bootstrap(load_settings(data_dir=tmp_path), database_url=db_url)
    dashboard = Dashboard(app, bind_host="127.0.0.1")  # not bound to a service: nothing scheduled yet
    try:
        await dashboard.start(0)
        async with aiohttp.ClientSession() as http, http.get(f"{dashboard.url}readyz") as ready:
            assert ready.status == 503 and (await ready.json())["scheduler"] is False
    finally:
        await dashboard.stop()
        app.close()


async def test_metrics_move_as_files_are_ingested_and_digests_posted(tmp_path: Path, db_url: str) -> None:
    async with running_service(tmp_path, db_url, token=TOKEN) as svc, client() as http:
        bearer = {"Authorization": f"Bearer {TOKEN}", "Accept": "text/plain"}
        async with http.get(svc.url + "/metrics", headers=bearer) as response:
            before = await response.text()
        assert sample(before, "newsdigest_digests_total", platform="console", outcome="posted") == 0
        shutil.copy(SAMPLE_DUMP, svc.inbox / "sample.txt")
        (svc.inbox / "mixed.jsonl").write_text(JSONL_WITH_A_BAD_RECORD, encoding="utf-8")
        (svc.inbox / "junk.txt").write_bytes(b"\x00\xff" * 20)
        processed = svc.inbox / "processed"
        await wait_for(lambda: (processed / "sample.txt").exists() and (processed / "mixed.jsonl").exists()
                       and (svc.inbox / "rejected" / "junk.txt").exists(), "the inbox to take three files")
        # A partial file keeps the reasons of its rejected records in a note beside it.
        assert "line 2" in (processed / "mixed.jsonl.error").read_text(encoding="utf-8")
        await log_in(http, svc.url)
        async with http.get(f"{svc.url}/channels/{CHANNEL}") as page:
            token = csrf_of(await page.text())
        async with http.post(f"{svc.url}/channels/{CHANNEL}/now", data={"csrf": token}) as page:
            assert "Posted" in await page.text()
        async with http.get(f"{svc.url}/brief", params={"q": "gold"}) as page:
            assert page.status == 200
        async with http.get(svc.url + "/metrics", headers=bearer) as response:
            after = await response.text()
    assert sample(after, "newsdigest_stories_total", format="text", outcome="new") >= 4
    assert sample(after, "newsdigest_stories_total", format="jsonl", outcome="new") == 1
    assert sample(after, "newsdigest_stories_total", format="jsonl", outcome="rejected") == 1
    assert sample(after, "newsdigest_files_total", outcome="rejected") == 1
    assert sample(after, "newsdigest_files_total", outcome="partial") == 1
    assert sample(after, "newsdigest_digests_total", platform="console", outcome="posted") == 1
    assert sample(after, "newsdigest_post_seconds_count", platform="console") == 1
    assert sample(after, "newsdigest_brief_seconds_count") >= 2  # the digest's sections and the brief page
    assert sample(after, "newsdigest_scheduler_running") == 1


def test_each_app_has_its_own_registry() -> None:
    one, two = Metrics(), Metrics()
    one.digests.labels("console", "posted").inc()
    assert b'newsdigest_digests_total{outcome="posted",platform="console"} 1.0' in one.exposition()
    assert b"outcome=\"posted\"" not in two.exposition()


def test_dump_formats_are_a_bounded_set_of_labels() -> None:
    assert [dump_format(p) for p in ("a/b.txt", "x.JSONL", "x.json", "noext", "evil.<script>", "feed.rss")] == [
        "text", "jsonl", "json", "text", "other", "feed"]
