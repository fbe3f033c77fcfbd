"""The dispatcher imports only the subcommand being run, so quick commands start quickly."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import SUBCOMMAND_MODULES, build_parser, main


def _modules_loaded_by(args: list[str]) -> set[str]:
    code = (
        "import sys; from bot.cli import main\n"
        f"try:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
        "print(' '.join(sorted(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_running_summarize_does_not_import_the_database_or_chat_libraries() -> None:
    loaded = _modules_loaded_by(["summarize", "--help"])
    assert "bot.cli.summarize_cmd" in loaded
    assert not {"sqlalchemy", "slack_bolt", "discord", "bot.cli.serve_cmd"} & loaded


def test_full_help_lists_every_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for name in SUBCOMMAND_MODULES:
        assert name in out


def test_every_registered_module_registers_its_own_name() -> None:
    for name in SUBCOMMAND_MODULES:
        parser = build_parser(name)
        args = parser.parse_args([name, *_minimal_args(name)])
        assert args.command == name


def _minimal_args(name: str) -> list[str]:
    return {"ingest": ["x.txt"], "brief": ["ukraine"], "summarize": ["--input", "x", "--sentences", "1"],
            "discord": ["sync"], "digest": ["--channel", "console:local:newsroom"], "stories": ["settle"]}.get(name, [])


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["no-such-command"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_multi_article_summarize_loads_nothing_it_does_not_use(tmp_path: Path) -> None:
    articles = [f"Story {i} says the minister met the union on Tuesday. Talks on pay went on late." for i in range(4)]
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"id": "x", "articles": articles, "title": None}) + "\n", encoding="utf-8")
    loaded = _modules_loaded_by(["summarize", "--input", str(path), "--sentences", "2"])
    assert "summarizer.concepts" in loaded  # the multi-article path really ran
    # numpy.ma is ~17 ms of start-up that np.unique pulls in unless asked for counts.
    assert not {"numpy.ma", "sklearn", "scipy", "sumy", "sqlalchemy"} & loaded
