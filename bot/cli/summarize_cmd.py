"""`newsdigest summarize`: the stable JSONL summarize contract that summaries are evaluated through."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from bot.app.errors import UserError

# Kept literal (not imported from summarizer.rank) so `--help` and argument errors stay instant.
ALGORITHM_CHOICES = ("default", "lead", "lexrank", "textrank", "lsa", "luhn", "sumbasic", "kl")


def register(subparsers: Any) -> None:
    """Add the ``summarize`` subcommand."""
    p = subparsers.add_parser(
        "summarize",
        help="summarize JSONL input: one {id, articles, title} per line in, one {id, summary} per line out",
        description='Read one JSON object per line {"id", "articles": [str, ...], "title": str|null} and '
        'write one line {"id", "summary": [str, ...]} per input, in input order. One article gives a '
        "single-document summary, several a multi-document one. Optional fields: \"previous\": [str, ...], "
        "texts the reader already has (update mode: the summary favours what they do not say and never "
        "repeats them); \"language\": an ISO 639-1 code such as \"de\" (default: detected from the text).",
    )
    p.add_argument("--input", "-i", required=True, help="JSONL file ('-' for standard input)")
    budget = p.add_mutually_exclusive_group(required=True)
    budget.add_argument("--sentences", type=_positive, metavar="N", help="at most N sentences")
    budget.add_argument("--words", type=_positive, metavar="N", help="about N words (whole sentences)")
    p.add_argument("--algorithm", "-a", choices=ALGORITHM_CHOICES, default="default", help="ranking algorithm")
    p.set_defaults(func=run)


def _positive(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}")
    return n


Record = tuple[str, list[str], str | None, list[str], str | None]


def _records(stream: TextIO, name: str) -> Iterator[Record]:
    for line_no, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UserError(f"{name}:{line_no}: not valid JSON ({exc.msg})") from None
        if not isinstance(obj, dict):
            raise UserError(f"{name}:{line_no}: expected a JSON object")
        rid = obj.get("id")
        articles = obj.get("articles")
        title = obj.get("title")
        if not isinstance(rid, str | int) or isinstance(rid, bool):
            raise UserError(f"{name}:{line_no}: 'id' must be a string")
        if not isinstance(articles, list) or not all(isinstance(a, str) for a in articles):
            raise UserError(f"{name}:{line_no}: 'articles' must be a list of strings")
        if title is not None and not isinstance(title, str):
            raise UserError(f"{name}:{line_no}: 'title' must be a string or null")
        previous = obj.get("previous") or []
        if not isinstance(previous, list) or not all(isinstance(p, str) for p in previous):
            raise UserError(f"{name}:{line_no}: 'previous' must be a list of strings")
        language = obj.get("language")
        if language is not None and not isinstance(language, str):
            raise UserError(f"{name}:{line_no}: 'language' must be a string such as \"de\" or null")
        yield str(rid), articles, title, previous, language


def run(args: argparse.Namespace) -> int:
    """Summarize every input line and write one JSON line per input, in input order."""
    # The summarizer does no BLAS work; OpenBLAS would still start a thread per core at numpy import
    # (about 50 ms of CPU for a short run). Only a default: an explicit setting wins.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from summarizer.rank import item_documents, summarize

    name = str(args.input)
    if name == "-":
        stream: TextIO = sys.stdin
    else:
        path = Path(name)
        if not path.is_file():
            raise UserError(f"input file not found: {name}")
        stream = path.open(encoding="utf-8")
    out = sys.stdout
    try:
        # Validate the whole input first so a bad line fails before any output is written.
        records = list(_records(stream, name))
    finally:
        if stream is not sys.stdin:
            stream.close()
    for rid, articles, title, previous, language in records:
        docs = item_documents(rid, articles, title, language=language)
        summary = summarize(docs, max_sentences=args.sentences, max_words=args.words, algorithm=args.algorithm,
                            previous=previous)
        out.write(json.dumps({"id": rid, "summary": [s.text for s in summary.sentences]}, ensure_ascii=False))
        out.write("\n")
    out.flush()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the contract on its own (``python -m bot.cli.summarize_cmd ...``), without loading every subcommand."""
    parser = argparse.ArgumentParser(prog="newsdigest summarize")
    sub = parser.add_subparsers(dest="command")
    register(sub)
    args = parser.parse_args(["summarize", *(sys.argv[1:] if argv is None else argv)])
    try:
        return run(args)
    except UserError as exc:
        print(f"newsdigest: error: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":  # pragma: no cover - exercised through a subprocess in the tests
    sys.exit(main())
