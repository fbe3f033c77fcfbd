"""`newsdigest` command line: one module per subcommand, each exposing ``register(subparsers)``."""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
from collections.abc import MutableMapping, Sequence
from typing import NoReturn

from bot import __version__
from bot.app.errors import UserError

# Each module registers its subcommand(s); ``set_defaults(func=...)`` gives the handler, which
# takes the parsed args and returns the exit status. Keyed by command name so that running one
# command imports only its module: `summarize` must not pay for SQLAlchemy or the chat libraries.
SUBCOMMAND_MODULES: dict[str, str] = {
    "ingest": "bot.cli.ingest_cmd",
    "articles": "bot.cli.articles_cmd",
    "topics": "bot.cli.topics_cmd",
    "brief": "bot.cli.brief_cmd",
    "stories": "bot.cli.stories_cmd",
    "summarize": "bot.cli.summarize_cmd",
    "demo": "bot.cli.demo_cmd",
    "digest": "bot.cli.digest_cmd",
    "channels": "bot.cli.channels_cmd",
    "history": "bot.cli.history_cmd",
    "healthcheck": "bot.cli.healthcheck_cmd",
    "sources": "bot.cli.sources_cmd",
    "serve": "bot.cli.serve_cmd",
    "bench": "bot.cli.bench_cmd",
    "bench-formats": "bot.cli.bench_formats_cmd",
    "discord": "bot.cli.discord_cmd",
}


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line usage error (subcommand parsers inherit the class)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"newsdigest: error: {message} (see: {self.prog} --help)\n")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The full parser, or with ``only`` just that subcommand's (for a fast start)."""
    parser = _Parser(
        prog="newsdigest",
        description="Newsroom digest bot: article dumps in, topic briefs and daily digests out.",
    )
    parser.add_argument("--version", action="version", version=f"newsdigest {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = [SUBCOMMAND_MODULES[only]] if only in SUBCOMMAND_MODULES else SUBCOMMAND_MODULES.values()
    for name in modules:
        importlib.import_module(name).register(sub)
    return parser


def _requested_command(argv: Sequence[str]) -> str | None:
    """The subcommand named on the command line, if it is the first non-option word."""
    for word in argv:
        if not word.startswith("-"):
            return word if word in SUBCOMMAND_MODULES else None
    return None


def parse(argv: Sequence[str] | None = None) -> tuple[argparse.ArgumentParser, argparse.Namespace]:
    """The parser and the parsed command line (this imports the named subcommand's module)."""
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_requested_command(words))
    return parser, parser.parse_args(words)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command line in this process and return its exit status (tests call this)."""
    return dispatch(*parse(argv))


def entry_point() -> NoReturn:
    """The ``newsdigest`` program: :func:`main` with the garbage collector set for a process's life.

    Start-up creates over a hundred thousand objects (SQLAlchemy, pydantic and numpy modules and
    classes, our models) that live until exit. CPython's collector walks them again and again while
    they are made, and once more at exit: a third of a short command's CPU (docs/benchmarks.md,
    "Start-up"). So collection waits while the command line is parsed (which loads the subcommand's
    module and most of what it imports), and whatever exists then, and again at the end, is frozen
    (moved where collections never look). The command itself runs with the collector on, as usual:
    ``serve`` and a large ingest still free their cycles. Not in :func:`main`, which tests call in
    one long process whose objects must stay collectable.
    """
    one_blas_thread(os.environ)
    gc.disable()
    try:
        parser, args = parse()
    finally:
        gc.freeze()
        gc.enable()
    status = dispatch(parser, args)
    gc.freeze()
    sys.exit(status)


def one_blas_thread(environ: MutableMapping[str, str]) -> None:
    """Ask numpy's OpenBLAS for one thread unless the operator chose a number.

    Our matrices are small (a brief's few hundred sentences), where a second BLAS thread computes
    nothing faster, but OpenBLAS starts its threads when numpy is imported and they spin while
    waiting: about 40 ms of a short command's CPU (docs/benchmarks.md, "Start-up"), and in ``serve``
    cores taken from the event loop and the database. Must run before numpy is first imported.
    """
    environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """Run the parsed command; errors an operator can act on become one line and an exit status."""
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        status = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe must fail here, inside the handlers, not at interpreter exit
        return status
    except UserError as exc:
        return _fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`| head -1`): stop quietly like other Unix tools; Python would
        # otherwise complain again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a tool killed by the broken pipe
    except OSError as exc:  # disk full, permission denied, read-only file system
        from bot.store.location import describe_os_error

        where = f" ({exc.filename})" if exc.filename else ""
        return _fail(f"{describe_os_error(exc)}{where}", 1)
    except Exception as exc:
        if not type(exc).__module__.startswith("sqlalchemy"):
            raise  # a bug: its traceback is what a report needs
        from bot.cli.options import database_problem

        return _fail(f"database: {database_problem(exc)}", 1)


def _fail(message: str, code: int) -> int:
    print(f"newsdigest: error: {message}", file=sys.stderr)
    return code


if __name__ == "__main__":  # pragma: no cover
    entry_point()
