"""The console's sign-in: the API token once, then a session cookie.

Stateless: the session cookie is an expiry and a nonce signed with a key derived from API_TOKEN
(changing the token signs everyone out). It is HttpOnly and SameSite=Strict, so scripts cannot
read it and other sites' pages do not send it. State-changing requests made with it must also
carry `X-CSRF-Token`, an HMAC of the session that the console's pages read from a second,
script-readable cookie: another site can neither read that cookie nor set the header (double
submit, bound to the session)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import quote

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import Scope

SESSION_COOKIE = "stepwise_session"
CSRF_COOKIE = "stepwise_csrf"
CSRF_HEADER = "x-csrf-token"
SESSION_SECONDS = 12 * 3600
SIGN_IN_PATH = "/console/sign-in"


@dataclass(frozen=True)
class ConsoleSessions:
    """Issues and checks console sessions; servicekit.auth.ApiTokenAuth asks it."""

    key: bytes

    @classmethod
    def for_token(cls, api_token: str) -> ConsoleSessions:
        key = hmac.new(api_token.encode(), b"stepwise console sessions", hashlib.sha256).digest()
        return cls(key)

    def _sign(self, purpose: str, text: str) -> str:
        return hmac.new(self.key, f"{purpose}|{text}".encode(), hashlib.sha256).hexdigest()

    def new_session(self, now: float | None = None) -> str:
        expires = int((now if now is not None else time.time()) + SESSION_SECONDS)
        body = f"{expires}.{secrets.token_urlsafe(16)}"
        return f"{body}.{self._sign('session', body)}"

    def csrf_token(self, session: str) -> str:
        return self._sign("csrf", session)

    def valid_session(self, session: str, now: float | None = None) -> bool:
        body, _, signature = session.rpartition(".")
        expires, _, _ = body.partition(".")
        if not hmac.compare_digest(signature.encode(), self._sign("session", body).encode()):
            return False
        return expires.isdigit() and int(expires) > (now if now is not None else time.time())

    # ---- servicekit.auth.Sessions ----

    def signed_in(self, headers: Headers) -> bool:
        session = _cookies(headers).get(SESSION_COOKIE)
        return session is not None and self.valid_session(session)

    def same_site_request(self, headers: Headers) -> bool:
        # Browsers say where a request comes from; trust that first when they do.
        if headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
            return False
        session = _cookies(headers).get(SESSION_COOKIE, "")
        given = headers.get(CSRF_HEADER, "")
        return bool(given) and hmac.compare_digest(
            given.encode(), self.csrf_token(session).encode()
        )

    def sign_in_redirect(self, scope: Scope) -> str | None:
        """A browser asking for a console page is shown the sign-in page, then sent back."""
        path: str = scope["path"]
        if scope["method"] not in ("GET", "HEAD") or not path.startswith("/console"):
            return None
        if "text/html" not in Headers(scope=scope).get("accept", ""):
            return None
        query = scope.get("query_string", b"").decode("latin-1")
        back = path + (f"?{query}" if query else "")
        return f"{SIGN_IN_PATH}?next={quote(back, safe='')}"

    # ---- the cookies ----

    def set_cookies(self, response: Response, *, secure: bool) -> None:
        session = self.new_session()
        common = {"max_age": SESSION_SECONDS, "path": "/", "samesite": "strict", "secure": secure}
        response.set_cookie(SESSION_COOKIE, session, httponly=True, **common)  # type: ignore[arg-type]
        # Read by the console's scripts (api.js) to send back as X-CSRF-Token.
        response.set_cookie(CSRF_COOKIE, self.csrf_token(session), httponly=False, **common)  # type: ignore[arg-type]


def clear_cookies(response: Response) -> None:
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        response.delete_cookie(name, path="/", samesite="strict")


def _cookies(headers: Headers) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except Exception:  # a malformed Cookie header is no session
        return {}
    return {name: morsel.value for name, morsel in jar.items()}
