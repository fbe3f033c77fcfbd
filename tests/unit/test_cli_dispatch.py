"""The dispatcher imports only the subcommand being run, so quick commands start quickly."""

from __future__ import annotations

import subprocess
import sys

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
            "discord": ["sync"], "digest": ["--channel", "console:local:newsroom"]}.get(name, [])


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["no-such-command"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
