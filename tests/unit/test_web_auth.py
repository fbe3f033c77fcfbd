"""The dashboard's access rules on their own: password hash, sessions, CSRF, login limiter, modes."""

from __future__ import annotations

from pydantic import SecretStr

from bot.web.auth import Access, LoginLimiter, PasswordHash, host_name, is_loopback


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_password_hash_matches_only_the_password() -> None:
    hashed = PasswordHash.of("s3cret")
    assert hashed.matches("s3cret") and not hashed.matches("s3cret ") and not hashed.matches("")
    assert b"s3cret" not in hashed.digest and PasswordHash.of("s3cret").salt != hashed.salt


def test_modes_follow_the_bind_address_and_credentials() -> None:
    assert Access(password=None, token=None, bind_host="127.0.0.1").mode == "open"
    assert Access(password=None, token=None, bind_host="0.0.0.0").mode == "locked"
    assert Access(password=SecretStr("pw"), token=None, bind_host="0.0.0.0").mode == "login"
    assert Access(password=None, token=SecretStr("tk"), bind_host="127.0.0.1").mode == "login"


def test_sessions_are_signed_and_expire() -> None:
    clock = Clock()
    access = Access(password=SecretStr("pw"), token=None, bind_host="127.0.0.1", session_hours=1, clock=clock)
    session, cookie = access.new_session("admin")
    assert access.read_session(cookie) == session
    sid, _role, expires, signature = cookie.split(".")
    assert access.read_session(f"{sid}.admin.{int(expires) + 999}.{signature}") is None  # extended by hand
    assert access.read_session(f"{sid}.anon.{expires}.{signature}") is None
    other = Access(password=SecretStr("pw"), token=None, bind_host="127.0.0.1", clock=clock)
    assert other.read_session(cookie) is None  # another process's key
    clock.now += 3601
    assert access.read_session(cookie) is None


def test_csrf_tokens_belong_to_one_session() -> None:
    access = Access(password=SecretStr("pw"), token=None, bind_host="127.0.0.1")
    mine, _ = access.new_session("admin")
    theirs, _ = access.new_session("admin")
    assert access.csrf_ok(mine, access.csrf_token(mine))
    assert not access.csrf_ok(mine, access.csrf_token(theirs))
    assert not access.csrf_ok(mine, None) and not access.csrf_ok(None, access.csrf_token(mine))


def test_token_works_as_bearer_and_as_password() -> None:
    access = Access(password=SecretStr("pw"), token=SecretStr("tk"), bind_host="127.0.0.1")
    assert access.check_token("tk") and not access.check_token("pw") and not access.check_token("")
    assert access.check_password("pw") == access.check_password("tk") == "admin"
    assert access.check_password("x") is None


def test_a_viewer_password_logs_in_read_only() -> None:
    access = Access(password=SecretStr("pw"), token=None, bind_host="0.0.0.0", viewer_password=SecretStr("look"))
    assert access.check_password("look") == "viewer" and access.check_password("pw") == "admin"
    _, cookie = access.new_session("viewer")
    session = access.read_session(cookie)
    assert session is not None and session.role == "viewer"
    only_viewers = Access(password=None, token=None, bind_host="0.0.0.0", viewer_password=SecretStr("look"))
    assert only_viewers.mode == "login"


def test_login_limiter_counts_failures_per_client_and_forgets_them() -> None:
    clock = Clock()
    limiter = LoginLimiter(per_client=3, overall=5, window=60, clock=clock)
    for _ in range(3):
        assert limiter.retry_after("a") == 0
        limiter.failed("a")
    assert 0 < limiter.retry_after("a") <= 61 and limiter.retry_after("b") == 0
    limiter.failed("b")
    limiter.failed("c")
    assert limiter.retry_after("d") > 0  # five failures overall: everyone waits
    clock.now += 61
    assert limiter.retry_after("a") == 0 and limiter.retry_after("d") == 0


def test_loopback_names() -> None:
    assert all(is_loopback(h) for h in ("localhost", "127.0.0.1", "127.1.2.3", "::1"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "example.com", "10.0.0.1", "localhost.evil"))
    assert [host_name(h) for h in ("localhost:8080", "[::1]:8080", "127.0.0.1", "::1")] == [
        "localhost", "::1", "127.0.0.1", "::1"]
