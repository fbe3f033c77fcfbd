"""`newsdigest` command line: one module per subcommand, each exposing ``register(subparsers)``."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from bot import __version__
from bot.errors import UserError

# Each module registers its subcommand(s); ``set_defaults(func=...)`` gives the handler, which
# takes the parsed args and returns the exit status.
SUBCOMMAND_MODULES: tuple[str, ...] = (
    "bot.cli.ingest_cmd",
    "bot.cli.articles_cmd",
    "bot.cli.topics_cmd",
    "bot.cli.brief_cmd",
    "bot.cli.summarize_cmd",
    "bot.cli.demo_cmd",
    "bot.cli.digest_cmd",
    "bot.cli.channels_cmd",
    "bot.cli.serve_cmd",
    "bot.cli.bench_cmd",
    "bot.cli.discord_cmd",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsdigest",
        description="Newsroom digest bot: article dumps in, topic briefs and daily digests out.",
    )
    parser.add_argument("--version", action="version", version=f"newsdigest {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:  # a real missing dependency inside the module: surface it
                raise
            continue  # subcommand not built yet
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        print(f"newsdigest: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
