"""The dashboard's aiohttp routes and its own server; mounts onto Slack's server when that one runs.

Routes are added to any ``web.Application`` through :meth:`Dashboard.mount`, each wrapped by
:meth:`Dashboard._guard` (access, CSRF, security headers) rather than by an app-wide middleware, so
the same routes work on the dashboard's own server and on the Slack adapter's.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import jinja2
from aiohttp import web

from bot.app.eventlog import event
from bot.web.auth import COOKIE, Access, Role, Session, host_name, is_loopback
from bot.web.links import message_link

if TYPE_CHECKING:
    from bot.app.bootstrap import App
    from bot.app.serve import Service

log = logging.getLogger(__name__)

View = Callable[[web.Request], Awaitable[web.StreamResponse]]
TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"
CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
MAX_FLASHES = 1000
LOGOUT_PATH = "/logout"


@dataclass
class Visit:
    """One request's access facts, set by the guard."""

    session: Session | None = None
    bearer: bool = False
    set_cookie: str | None = None

    @property
    def admin(self) -> bool:
        return self.bearer or (self.session is not None and self.session.role == "admin")

    @property
    def reader(self) -> bool:
        """May read the pages: an admin, or a read-only viewer."""
        return self.admin or (self.session is not None and self.session.role == "viewer")


class Dashboard:
    """One dashboard for one serving process: its access policy, templates, and the service it shows."""

    def __init__(self, app: App, *, bind_host: str) -> None:
        settings = app.settings
        self.app = app
        self.bind_host = bind_host
        self.access = Access(password=settings.admin_password, token=settings.admin_token, bind_host=bind_host,
                             session_hours=settings.web.session_hours, viewer_password=settings.viewer_password)
        self.templates = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                                            undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
        self.templates.filters["q"] = lambda text: quote(str(text), safe="")
        archive = settings.digest.markdown_dir is not None
        self.templates.globals["message_link"] = lambda channel, mid: message_link(channel, str(mid), archive=archive)
        self._service: Service | None = None
        self._runner: web.AppRunner | None = None
        self._flashes: dict[str, tuple[bool, str, tuple[str, ...]]] = {}
        self._visits: dict[int, Visit] = {}  # per request in flight (keyed by id; removed when it ends)

    # -- wiring -----------------------------------------------------------------------------------

    def bind(self, service: Service) -> None:
        self._service = service

    @property
    def service(self) -> Service:
        if self._service is None:
            raise web.HTTPServiceUnavailable(text="the service is still starting")
        return self._service

    def mount(self, router_app: web.Application) -> None:
        """Add every dashboard route (health, metrics, pages, feeds) to ``router_app``."""
        from bot.web import (
            views_channels,
            views_feeds,
            views_history,
            views_inbox,
            views_ops,
            views_stories,
            views_today,
        )

        for module in (views_ops, views_today, views_channels, views_history, views_stories, views_inbox,
                       views_feeds):
            for method, path, view, public in module.routes(self):
                router_app.router.add_route(method, path, self._guard(view, public=public))
        router_app.router.add_get("/login", self._guard(self._login_page, public=True))
        router_app.router.add_post("/login", self._guard(self._login, public=True))
        router_app.router.add_post(LOGOUT_PATH, self._guard(self._logout, public=False))
        router_app.router.add_get("/static/{name}", self._guard(self._static, public=True))

    async def start(self, port: int) -> None:
        """Serve on ``bind_host:port`` with an own server (when Slack's HTTP server is not running)."""
        router_app = web.Application(client_max_size=256 * 1024)
        self.mount(router_app)
        self._runner = web.AppRunner(router_app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.bind_host, port).start()
        event(log, "dashboard_listening", url=self.url)

    @property
    def port(self) -> int | None:
        if self._runner is None or not self._runner.addresses:
            return None
        return int(self._runner.addresses[0][1])

    @property
    def url(self) -> str:
        host = f"[{self.bind_host}]" if ":" in self.bind_host else self.bind_host
        host = "127.0.0.1" if host in ("0.0.0.0", "[::]") else host
        return f"http://{host}:{self.port}/"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- access -----------------------------------------------------------------------------------

    def _guard(self, view: View, *, public: bool) -> View:
        async def handler(request: web.Request) -> web.StreamResponse:
            self._visits[id(request)] = Visit()
            try:
                response = await self._checked(request, view, public)
            except web.HTTPException as exc:  # redirects and errors carry the cookie and headers too
                self._finish(request, exc)
                raise
            else:
                self._finish(request, response)
                return response
            finally:
                self._visits.pop(id(request), None)

        return handler

    def visit(self, request: web.Request) -> Visit:
        """Who is asking (session, bearer token), known once the guard has run."""
        return self._visits.get(id(request)) or Visit()

    async def _checked(self, request: web.Request, view: View, public: bool) -> web.StreamResponse:
        access = self.access
        session = access.read_session(request.cookies.get(COOKIE))
        bearer = request.headers.get("Authorization", "")
        visit = self.visit(request)
        visit.bearer = bearer.startswith("Bearer ") and access.check_token(bearer[7:].strip())
        if access.mode == "open":
            if not is_loopback(host_name(request.host)):
                # A page on another site that resolves its name to 127.0.0.1 must not get in.
                return web.Response(status=403, text="This dashboard answers to localhost only.")
            if session is None or session.role != "admin":
                session = self._issue(request, "admin")
        elif session is None:
            session = self._issue(request, "anon")
        visit.session = session
        if not public and not visit.reader:
            if access.mode == "locked":
                return web.Response(status=401, text="The dashboard is locked: it listens on a public address. "
                                    "Set NEWSDIGEST_ADMIN_PASSWORD (or NEWSDIGEST_ADMIN_TOKEN) to use it.")
            if request.method == "GET" and "text/html" in request.headers.get("Accept", ""):
                raise web.HTTPFound(f"/login?next={quote(request.path_qs, safe='')}")
            return web.Response(status=401, text="Log in at /login, or send Authorization: Bearer <token>.",
                                headers={"WWW-Authenticate": 'Bearer realm="newsdigest"'})
        if request.method == "POST" and not visit.bearer:
            form = await request.post()
            given = form.get("csrf")
            if not access.csrf_ok(session, given if isinstance(given, str) else None):
                return web.Response(status=403, text="Refused: the form's CSRF token is missing or invalid. "
                                    "Reload the page and try again.")
            if not public and not visit.admin and request.path != LOGOUT_PATH:
                return web.Response(status=403, text="Read-only: a viewer login cannot change settings or post.")
        return await view(request)

    def _issue(self, request: web.Request, role: Role) -> Session:
        session, cookie = self.access.new_session(role)
        self.visit(request).set_cookie = cookie
        return session

    def _finish(self, request: web.Request, response: web.StreamResponse) -> None:
        cookie = self.visit(request).set_cookie
        if cookie:
            response.set_cookie(COOKIE, cookie, httponly=True, samesite="Strict", secure=request.secure,
                                path="/", max_age=self.access.session_seconds)
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Cache-Control", "no-store")

    async def _login_page(self, request: web.Request) -> web.StreamResponse:
        if self.access.mode == "open" or self.visit(request).reader:
            raise web.HTTPFound(_safe_next(request.query.get("next")))
        return self.render(request, "login.html", next=_safe_next(request.query.get("next")), error=None,
                           locked=self.access.mode == "locked", status=200)

    async def _login(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        target = _safe_next(str(form.get("next", "/")))
        client = request.remote or "?"
        wait = self.access.limiter.retry_after(client)
        if wait:
            event(log, "dashboard_login", level=logging.WARNING, client=client, outcome="rate_limited")
            response = self.render(request, "login.html", next=target, locked=False, status=429,
                                   error=f"Too many failed attempts. Try again in {wait} seconds.")
            response.headers["Retry-After"] = str(wait)
            return response
        role = self.access.check_password(str(form.get("password", ""))) if self.access.mode == "login" else None
        if role is None:
            self.access.limiter.failed(client)
            event(log, "dashboard_login", level=logging.WARNING, client=client, outcome="refused")
            return self.render(request, "login.html", next=target, locked=self.access.mode == "locked",
                               error="Wrong password.", status=401)
        self.access.limiter.succeeded(client)
        event(log, "dashboard_login", client=client, outcome="ok", role=role)
        self._issue(request, role)
        raise web.HTTPFound(target)

    async def _logout(self, request: web.Request) -> web.StreamResponse:
        self._issue(request, "anon")
        raise web.HTTPFound("/login")

    async def _static(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        path = STATIC / name
        if "/" in name or name.startswith(".") or not path.is_file():
            raise web.HTTPNotFound()
        return web.FileResponse(path, headers={"Cache-Control": "max-age=3600"})

    # -- rendering --------------------------------------------------------------------------------

    def flash(self, request: web.Request, ok: bool, text: str, lines: tuple[str, ...] = ()) -> None:
        """Show a message on the next page this session renders (post, redirect, get)."""
        session = self.visit(request).session
        if session is None:
            return
        if len(self._flashes) >= MAX_FLASHES:
            self._flashes.clear()
        self._flashes[session.sid] = (ok, text, lines)

    def render(self, request: web.Request, template: str, *, status: int = 200, **values: Any) -> web.Response:
        session = self.visit(request).session
        flash = self._flashes.pop(session.sid, None) if session is not None else None
        html = self.templates.get_template(template).render(
            csrf=self.access.csrf_token(session) if session is not None else "",
            logged_in=session is not None and session.role != "anon" and self.access.mode == "login",
            can_edit=self.visit(request).admin,
            path=request.path, flash=flash, archive=self.app.settings.digest.markdown_dir is not None, **values)
        return web.Response(text=html, content_type="text/html", charset="utf-8", status=status)


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no ``//host`` or ``/\\host``): no open redirect after login."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target
