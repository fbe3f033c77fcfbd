"""``newsdigest healthcheck``: ask the running ``serve`` on this machine for /healthz (Docker's HEALTHCHECK).

It finds the port the way ``serve`` picks it: Slack's HTTP port when Slack runs over HTTP (the dashboard
shares that server), else ``--port``/``PORT``/``[web] port``. Exit status 0 when healthy, 1 otherwise.
"""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    parser = sub.add_parser("healthcheck", help="exit 0 when the local `newsdigest serve` answers /healthz (or "
                                                "/readyz with --ready)")
    parser.add_argument("--port", type=int, default=None, help="the port serve listens on (default: as serve picks it)")
    parser.add_argument("--ready", action="store_true", help="check /readyz (migrated, scheduler running) instead")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for an answer (default: 5)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import sys
    import urllib.error
    import urllib.request

    from bot.adapters.slack_config import resolve_port, slack_mode
    from bot.app.serve import web_port
    from bot.app.settings import load_settings

    settings = load_settings()
    port = resolve_port(settings, args.port) if slack_mode(settings) == "http" else web_port(settings, args.port)
    host = settings.web.host if settings.web.host not in ("0.0.0.0", "::", "") else "127.0.0.1"
    host = f"[{host}]" if ":" in host else host
    url = f"http://{host}:{port}/{'readyz' if args.ready else 'healthz'}"
    try:
        with urllib.request.urlopen(url, timeout=args.timeout) as response:
            print(f"{url}: {response.status} {response.read().decode('utf-8', 'replace').strip()}")
            return 0
    except urllib.error.HTTPError as exc:
        print(f"{url}: {exc.code} {exc.read().decode('utf-8', 'replace').strip()}", file=sys.stderr)
    except (OSError, ValueError) as exc:
        print(f"{url}: not answering ({exc})", file=sys.stderr)
    return 1
