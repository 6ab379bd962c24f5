from __future__ import annotations

from starlette.datastructures import Headers

from orchestrator.console.sessions import CSRF_HEADER, SESSION_COOKIE, ConsoleSessions

SESSIONS = ConsoleSessions.for_token("k" * 40)


def headers(session: str, **more: str) -> Headers:
    return Headers({"cookie": f"{SESSION_COOKIE}={session}", **more})


def test_a_new_session_is_valid_until_it_expires() -> None:
    session = SESSIONS.new_session(now=1000.0)
    assert SESSIONS.valid_session(session, now=1001.0)
    assert not SESSIONS.valid_session(session, now=1000.0 + 13 * 3600)


def test_a_session_of_another_token_or_altered_is_not_valid() -> None:
    session = SESSIONS.new_session()
    assert not ConsoleSessions.for_token("j" * 40).valid_session(session)
    expires, nonce, signature = session.split(".")
    assert not SESSIONS.valid_session(f"{int(expires) + 1}.{nonce}.{signature}")
    assert not SESSIONS.valid_session(f"{expires}.{nonce}.{'0' * len(signature)}")
    assert not SESSIONS.valid_session("garbage")
    assert not SESSIONS.valid_session("é.é.é")


def test_changes_need_the_csrf_token_of_this_session_from_this_site() -> None:
    session = SESSIONS.new_session()
    csrf = SESSIONS.csrf_token(session)
    assert SESSIONS.signed_in(headers(session))
    assert SESSIONS.same_site_request(headers(session, **{CSRF_HEADER: csrf}))
    assert not SESSIONS.same_site_request(headers(session))
    other = SESSIONS.csrf_token(SESSIONS.new_session())
    assert not SESSIONS.same_site_request(headers(session, **{CSRF_HEADER: other}))
    cross = headers(session, **{CSRF_HEADER: csrf, "sec-fetch-site": "cross-site"})
    assert not SESSIONS.same_site_request(cross)


def test_a_browser_asking_for_a_console_page_is_sent_to_sign_in() -> None:
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/console/executions/a:b",
        "query_string": b"x=1",
        "headers": [(b"accept", b"text/html,application/xhtml+xml")],
    }
    assert SESSIONS.sign_in_redirect(scope) == (
        "/console/sign-in?next=%2Fconsole%2Fexecutions%2Fa%3Ab%3Fx%3D1"
    )
    api_call = {**scope, "path": "/executions", "headers": [(b"accept", b"text/html")]}
    assert SESSIONS.sign_in_redirect(api_call) is None
    script = {**scope, "headers": [(b"accept", b"application/json")]}
    assert SESSIONS.sign_in_redirect(script) is None
