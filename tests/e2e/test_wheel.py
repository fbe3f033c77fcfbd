"""The wheel that the Dockerfile's `pip install .` produces runs on its own: config, sample, migrations."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def unpacked_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)],
        check=True, capture_output=True, text=True,
    )
    (wheel,) = out.glob("newsdigest-*.whl")
    site = out / "site"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    return site


def test_wheel_carries_config_sample_and_migrations(unpacked_wheel: Path) -> None:
    for rel in ("bot/_config/topics.toml", "bot/_config/settings.toml", "bot/_config/channels.toml",
                "bot/samples/world-news-2026-01-28.txt", "bot/store/migrations/env.py",
                "bot/store/migrations/versions/0001_initial.py", "summarizer/rank.py"):
        assert (unpacked_wheel / rel).is_file(), rel


def test_installed_package_runs_the_demo_without_the_checkout(unpacked_wheel: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDIGEST_")}
    env.update(PYTHONPATH=str(unpacked_wheel), NEWSDIGEST_DATA_DIR=str(tmp_path / "data"), NLTK_DATA="/nonexistent")
    done = subprocess.run([sys.executable, "-m", "bot.cli", "demo"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "4 new" in done.stdout + done.stderr and "Ukraine" in done.stdout
    assert (tmp_path / "data" / "newsdigest.sqlite3").is_file()
