"""``newsdigest ingest PATH...``: store dump files; exit 1 when anything was rejected."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from bot.cli.options import add_database_option, add_format_option, open_app


def register(sub: Any) -> None:
    parser = sub.add_parser("ingest", help="ingest dump files or directories into the store",
                            description="Ingest article dumps and feeds: plain-text dumps, JSON/JSONL exports, "
                                        "ninjs, RSS/Atom, NewsML-G2, NITF and NewsML 1.2 (detected by content). "
                                        "Directories are "
                                        "read recursively; dot-files, *.tmp and *.part are skipped.")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="a dump file or a directory of dumps")
    add_format_option(parser)
    add_database_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bot.ingest.service import ingest_paths

    with open_app(args) as app:
        report = ingest_paths(app, args.paths, progress=args.format == "text" and sys.stderr.isatty())
    if args.format == "json":
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(f"files: {report.files}  new: {report.new}  duplicates: {report.duplicates}  "
              f"rejected: {report.rejected}" + (f"  rejected records: {report.rejected_records}"
                                                if report.rejected_records else "")
              + (f"  skipped items: {report.skipped}" if report.skipped else ""))
        for result in report.results:
            if result.status == "rejected":
                print(f"  rejected {result.path}: {result.reason}")
            for problem in result.record_errors:
                where = f"{result.path}:{problem.line}" if problem.line else result.path
                item = f" [{problem.item}]" if problem.item else ""
                print(f"  {problem.kind} {where}{item}: {problem.reason}")
            for old in result.superseded:
                print(f"  {result.path}: replaces article {old} (newer version of the same story)")
    return 0 if report.ok else 1
