"""The Dockerfile can't be built here (no Docker): hold its promises with a static check instead."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def test_slim_python_base_that_installs_the_package_like_ci() -> None:
    steps = _instructions()
    assert re.fullmatch(r"python:3\.1[1-9]-slim", steps[0][1])
    runs = " ".join(arg for op, arg in steps if op == "RUN")
    assert re.search(r"pip install \.(\s|$)", runs) and "pip install -e" not in runs
    copied = {arg.split()[0] for op, arg in steps if op == "COPY"}
    assert {"bot", "summarizer", "config"} <= copied  # config ships inside the wheel as bot/_config
    wheel = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert wheel["force-include"]["config"] == "bot/_config"


def test_runs_serve_as_a_non_root_user_with_data_volume() -> None:
    steps = _instructions()
    users = [arg for op, arg in steps if op == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert ("VOLUME", '["/data"]') in steps
    assert any(op == "ENV" and "NEWSDIGEST_DATA_DIR=/data" in arg for op, arg in steps)
    assert ("ENTRYPOINT", '["newsdigest"]') in steps and steps[-1] == ("CMD", '["serve"]')
    last_user = max(i for i, (op, _) in enumerate(steps) if op == "USER")
    assert not any(op == "RUN" for op, _ in steps[last_user:])  # nothing after USER needs root or network


def test_healthcheck_asks_the_running_service() -> None:
    steps = _instructions()
    [check] = [arg for op, arg in steps if op == "HEALTHCHECK"]
    assert check.endswith('CMD ["newsdigest", "healthcheck"]')
    assert any(op == "EXPOSE" and arg == "8080" for op, arg in steps)
