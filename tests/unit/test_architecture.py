"""The architecture, held by a test: chat libraries only in adapters, a pure summarizer."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHAT_LIBRARIES = ("slack_bolt", "slack_sdk", "discord")


def _imports(package: str) -> Iterator[tuple[Path, int, str]]:
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield path, node.lineno, alias.name
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                yield path, node.lineno, node.module


def _top(module: str) -> str:
    return module.split(".")[0]


def test_only_adapters_import_chat_libraries() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: import {mod}"
        for package in ("bot", "summarizer")
        for path, line, mod in _imports(package)
        if _top(mod) in CHAT_LIBRARIES and "adapters" not in path.relative_to(ROOT).parts
    ]
    assert not offenders, "chat libraries imported outside bot/adapters:\n" + "\n".join(offenders)


def test_summarizer_imports_nothing_from_bot() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: import {mod}"
        for path, line, mod in _imports("summarizer")
        if _top(mod) == "bot"
    ]
    assert not offenders, "summarizer/ must stay a pure library:\n" + "\n".join(offenders)


def test_adapter_modules_cannot_shadow_libraries() -> None:
    names = {p.stem for p in (ROOT / "bot" / "adapters").glob("*.py")}
    assert not names & {"slack", "slack_bolt", "discord"}, "name adapters *_app.py"
