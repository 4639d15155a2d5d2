"""Who may see the dashboard and approve plans.

Every request needs the access token: from `TRIMTAB_WEB_TOKEN`, or, when
that is unset and the server binds to loopback, a random token printed
once at start-up (as Jupyter does); beyond loopback it must be at least
MIN_TOKEN_LENGTH characters. The token arrives once as `?token=` on the
page's own address, is exchanged there for an HttpOnly, SameSite=Strict
cookie (and dropped from the URL, so it stays out of history and logs), and
is refused in the URL of any other route; scripts send `Authorization:
Bearer`. A token that is not ASCII is simply wrong (401). State-changing requests are
POSTs that must also carry a CSRF token derived from the access token and
come from the page's own origin.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass

from fastapi import HTTPException, Request

COOKIE = "trimtab_token"
MIN_TOKEN_LENGTH = 32
EXCHANGE_PATH = "/"  # the one address where a token in the URL is accepted


class AuthConfigError(ValueError):
    """The server would be reachable from other machines without authentication."""


@dataclass(frozen=True)
class Access:
    """The access token and whether it was generated for this run."""

    token: str
    generated: bool

    @classmethod
    def for_host(cls, host: str, token: str | None) -> Access:
        """Use the configured token; generate one only for a loopback address."""
        if token and not is_loopback(host) and len(token) < MIN_TOKEN_LENGTH:
            raise AuthConfigError(f"--host {host}: TRIMTAB_WEB_TOKEN must be at least "
                                  f"{MIN_TOKEN_LENGTH} characters when binding beyond "
                                  "loopback (python -c 'import secrets; "
                                  "print(secrets.token_urlsafe(32))')")
        if token:
            return cls(token, False)
        if not is_loopback(host):
            raise AuthConfigError(f"--host {host}: binding beyond loopback needs "
                                  "TRIMTAB_WEB_TOKEN set to a long random secret")
        return cls(secrets.token_urlsafe(24), True)

    @property
    def csrf(self) -> str:
        return hmac.new(self.token.encode(), b"trimtab-csrf", hashlib.sha256).hexdigest()

    def presented(self, request: Request) -> str | None:
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            return header[7:].strip()
        in_url = request.query_params.get("token")
        if in_url is not None and request.method == "GET" \
                and request.url.path == EXCHANGE_PATH:
            return in_url
        return request.cookies.get(COOKIE)

    def require(self, request: Request) -> None:
        """Refuse any request that does not carry the token."""
        given = self.presented(request)
        if given is None or not hmac.compare_digest(given.encode("utf-8", "replace"),
                                                    self.token.encode()):
            raise HTTPException(401, "missing or wrong token: open the URL that "
                                "`trimtab serve` printed, or send Authorization: Bearer")

    def require_csrf(self, request: Request, form_token: str | None) -> None:
        """A POST must carry the CSRF token and come from this server's own origin."""
        origin = request.headers.get("origin")
        if origin is not None and origin.rstrip("/") != str(request.base_url).rstrip("/"):
            raise HTTPException(403, "cross-origin request refused")
        if form_token is None or not hmac.compare_digest(form_token, self.csrf):
            raise HTTPException(403, "missing or wrong CSRF token: reload the page")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
