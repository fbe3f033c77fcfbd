"""Who may use the dashboard: admin credential, signed session cookies, CSRF tokens, login rate limit.

- With NEWSDIGEST_ADMIN_PASSWORD or NEWSDIGEST_ADMIN_TOKEN set, every page needs a login (or the token
  as ``Authorization: Bearer``). The password is hashed (scrypt, random salt) when the server starts.
  NEWSDIGEST_VIEWER_PASSWORD (optional) logs in read-only viewers: every page, no change, no post.
- With neither, the dashboard is open only on a loopback address, and only to requests whose Host is a
  loopback name (a DNS-rebinding page cannot borrow the browser); any other bind stays locked.
- Sessions are ``sid.role.expiry.signature`` cookies (HMAC-SHA256 with a key made at start: a restart
  logs everyone out), HttpOnly, SameSite=Strict. Every form carries a CSRF token derived from the sid.
- Failed logins are limited per client address and overall, in a sliding window.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from pydantic import SecretStr

COOKIE = "newsdigest_session"
Role = Literal["anon", "viewer", "admin"]
ROLES: tuple[Role, ...] = ("anon", "viewer", "admin")
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})


def is_loopback(host: str) -> bool:
    """True for localhost and loopback IP addresses (127.0.0.0/8, ::1)."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_name(header: str) -> str:
    """The host part of a Host header (``[::1]:8080`` -> ``::1``, ``localhost:8080`` -> ``localhost``)."""
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


@dataclass(frozen=True, slots=True)
class PasswordHash:
    """scrypt of the admin password; the clear text is not kept by the web layer."""

    salt: bytes
    digest: bytes

    @classmethod
    def of(cls, password: str) -> PasswordHash:
        salt = secrets.token_bytes(16)
        return cls(salt, _scrypt(password, salt))

    def matches(self, password: str) -> bool:
        return hmac.compare_digest(self.digest, _scrypt(password, self.salt))


def _scrypt(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=2**14, r=8, p=1, dklen=32)


@dataclass(frozen=True, slots=True)
class Session:
    sid: str
    role: Role
    expires: int


@dataclass
class LoginLimiter:
    """At most ``per_client`` failed logins per address and ``overall`` in total per ``window`` seconds."""

    per_client: int = 5
    overall: int = 50
    window: float = 300.0
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _all: deque[float] = field(default_factory=deque)

    def _trim(self, times: deque[float], now: float) -> None:
        while times and times[0] <= now - self.window:
            times.popleft()

    def retry_after(self, client: str) -> int:
        """Seconds to wait before another attempt from ``client`` is accepted (0: go ahead)."""
        now = self.clock()
        self._trim(self._all, now)
        mine = self._failures.get(client, deque())
        self._trim(mine, now)
        waits = [t + self.window - now for q, cap in ((mine, self.per_client), (self._all, self.overall))
                 if len(q) >= cap for t in (q[0],)]
        return max(1, int(max(waits)) + 1) if waits else 0

    def failed(self, client: str) -> None:
        now = self.clock()
        if len(self._failures) > 10_000:  # bounded memory under a spray of addresses
            self._failures.clear()
        self._failures.setdefault(client, deque()).append(now)
        self._all.append(now)

    def succeeded(self, client: str) -> None:
        self._failures.pop(client, None)


class Access:
    """The dashboard's access policy for one listening address."""

    def __init__(self, *, password: SecretStr | None, token: SecretStr | None, bind_host: str,
                 session_hours: float = 12.0, clock: Callable[[], float] = time.time,
                 viewer_password: SecretStr | None = None) -> None:
        self._password = PasswordHash.of(password.get_secret_value()) if password else None
        self._viewer = PasswordHash.of(viewer_password.get_secret_value()) if viewer_password else None
        self._token = hashlib.sha256(token.get_secret_value().encode()).digest() if token else None
        self.loopback = is_loopback(bind_host)
        self._key = secrets.token_bytes(32)
        self.session_seconds = int(session_hours * 3600)
        self.clock = clock
        self.limiter = LoginLimiter()

    @property
    def credential_set(self) -> bool:
        return self._password is not None or self._token is not None or self._viewer is not None

    @property
    def mode(self) -> Literal["login", "open", "locked"]:
        """login: credential required; open: loopback without a credential; locked: neither is safe."""
        if self.credential_set:
            return "login"
        return "open" if self.loopback else "locked"

    # -- credentials -----------------------------------------------------------------------------

    def check_password(self, given: str) -> Role | None:
        """admin for the admin password or token, viewer for the viewer password, else None."""
        admin = self._password is not None and self._password.matches(given)
        if self.check_token(given) or admin:
            return "admin"
        if self._viewer is not None and self._viewer.matches(given):
            return "viewer"
        return None

    def check_token(self, given: str) -> bool:
        if self._token is None or not given:
            return False
        return hmac.compare_digest(self._token, hashlib.sha256(given.encode()).digest())

    # -- sessions and CSRF ------------------------------------------------------------------------

    def _sign(self, payload: str) -> str:
        return hmac.new(self._key, payload.encode(), hashlib.sha256).hexdigest()

    def new_session(self, role: Role) -> tuple[Session, str]:
        """A fresh session (new sid: no fixation across login) and its cookie value."""
        session = Session(secrets.token_urlsafe(18), role, int(self.clock()) + self.session_seconds)
        payload = f"{session.sid}.{session.role}.{session.expires}"
        return session, f"{payload}.{self._sign(payload)}"

    def read_session(self, cookie: str | None) -> Session | None:
        if not cookie or cookie.count(".") != 3:
            return None
        sid, role, expires, signature = cookie.split(".")
        if not hmac.compare_digest(signature, self._sign(f"{sid}.{role}.{expires}")):
            return None
        if not expires.isdigit() or int(expires) < self.clock():
            return None
        for known in ROLES:
            if role == known:
                return Session(sid, known, int(expires))
        return None

    def csrf_token(self, session: Session) -> str:
        return self._sign(f"csrf:{session.sid}")

    def csrf_ok(self, session: Session | None, given: str | None) -> bool:
        return session is not None and bool(given) and hmac.compare_digest(self.csrf_token(session), given or "")
