"""The dispatcher imports only the subcommand being run, so quick commands start quickly."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import tomllib
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


def test_the_program_loads_with_collection_paused_and_runs_the_command_with_it_on(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.cli as cli

    seen: dict[str, object] = {}
    real_parse = cli.parse

    def parse(argv: list[str] | None = None) -> tuple[object, object]:
        seen["collecting while loading"] = gc.isenabled()
        return real_parse(argv)

    def dispatch(_parser: object, args: object) -> int:
        seen["collecting while running"] = gc.isenabled()
        seen["frozen before running"] = gc.get_freeze_count()
        seen["command"] = getattr(args, "command", None)
        seen["made while running"] = []  # a container the collector tracks
        return 3

    monkeypatch.setattr(cli, "parse", parse)
    monkeypatch.setattr(cli, "dispatch", dispatch)
    monkeypatch.setattr(sys, "argv", ["newsdigest", "brief", "ukraine"])
    try:
        with pytest.raises(SystemExit) as exc:
            cli.entry_point()
        made = seen["made while running"]
        collectable_at_exit = any(o is made for o in gc.get_objects())  # the frozen are not listed
    finally:
        gc.unfreeze()  # this test process goes on: its objects must stay collectable
        gc.enable()
    assert exc.value.code == 3
    assert seen["command"] == "brief"
    assert seen["collecting while loading"] is False
    # Running: the collector is on (serve and large ingests free their cycles), but start-up's
    # objects are out of its way, and so is everything else when the interpreter exits.
    assert seen["collecting while running"] is True
    assert isinstance(seen["frozen before running"], int) and seen["frozen before running"] > 0
    assert not collectable_at_exit


def test_main_leaves_the_collector_alone(capsys: pytest.CaptureFixture[str]) -> None:
    before = gc.get_freeze_count()
    with pytest.raises(SystemExit):
        main(["--version"])
    assert gc.isenabled()
    assert gc.get_freeze_count() == before  # tests call main() in one long process


def test_the_installed_program_and_python_m_run_the_entry_point() -> None:
    root = Path(__file__).resolve().parents[2]
    scripts = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts["newsdigest"] == "bot.cli:entry_point"
    assert "entry_point()" in (root / "bot" / "cli" / "__main__.py").read_text(encoding="utf-8")


def test_the_program_asks_for_one_blas_thread_before_numpy_loads_unless_told_otherwise() -> None:
    import bot.cli as cli

    env: dict[str, str] = {}
    cli.one_blas_thread(env)
    assert env == {"OPENBLAS_NUM_THREADS": "1"}
    chosen = {"OPENBLAS_NUM_THREADS": "4"}
    cli.one_blas_thread(chosen)
    assert chosen == {"OPENBLAS_NUM_THREADS": "4"}  # an operator's choice stands
    # In a fresh interpreter the variable is set before the command line (and so numpy) is loaded.
    probe = (
        "import os, sys; import bot.cli as cli\n"
        "def parse(argv=None):\n"
        "    print(os.environ.get('OPENBLAS_NUM_THREADS'), 'numpy' in sys.modules); sys.exit(0)\n"
        "cli.parse = parse; cli.entry_point()\n"
    )
    env_without = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env_without,
                         check=True, cwd=Path(__file__).resolve().parents[2]).stdout
    assert out.split() == ["1", "False"]
