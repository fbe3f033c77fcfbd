"""The suite holds on any machine: a developer's exported NEWSDIGEST_* / chat variables never reach a test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import KEPT_ENV

ROOT = Path(__file__).resolve().parents[2]
# Tests that read settings, the database URL and the data directory the way the product does.
SAMPLE = ("tests/unit/test_settings.py", "tests/e2e/test_cli.py::test_articles_json_lists_every_field",
          "tests/e2e/test_delivery_cli.py::test_dry_run_renders_and_posts_nothing")


def test_the_suite_passes_with_a_hostile_environment_exported(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "settings.toml").write_text('log_level = "LOUD"\n[summarizer]\nalgorithm = "nope"\n', encoding="utf-8")
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDIGEST_") or k in KEPT_ENV}
    env.update(NEWSDIGEST_DATA_DIR=str(not_a_dir), NEWSDIGEST_CONFIG_DIR=str(config),
               NEWSDIGEST_DATABASE_URL=f"sqlite:///{not_a_dir}/x.db", NEWSDIGEST_LOG_LEVEL="LOUD",
               NEWSDIGEST_SLACK__PORT="not-a-port", SLACK_BOT_TOKEN="xoxb-developer", PORT="nope")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *SAMPLE], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:]
