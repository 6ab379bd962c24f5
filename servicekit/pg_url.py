"""DATABASE_URL with one host or several: `postgresql://user@h1:5432,h2:5433/db?target_session_attrs=read-write`.

libpq's multi-host form (a primary and its standbys; `target_session_attrs=read-write` makes a
client skip the standbys and land on whichever node is the primary now, so a failover needs no
new configuration). asyncpg takes that form as it is; SQLAlchemy's URL parser does not (it reads
`5432,h2:5433` as a port) and wants the hosts as repeated `host=h:port` query parameters instead.
`parse` reads either form and each driver gets the one it understands.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

SCHEMES = ("postgresql+asyncpg", "postgresql", "postgres")


@dataclass(frozen=True)
class PostgresUrl:
    userinfo: str  # `user:password` as written (still percent-encoded), or ""
    hosts: tuple[str, ...]  # `host:port` or `host`, in the order to try them
    path: str  # `/database`
    query: tuple[tuple[str, str], ...]  # everything but `host`

    @property
    def _authority_prefix(self) -> str:
        return f"{self.userinfo}@" if self.userinfo else ""

    def _query_string(self, extra: list[tuple[str, str]]) -> str:
        pairs = [*extra, *self.query]
        return f"?{urlencode(pairs, safe=':,/')}" if pairs else ""

    def libpq(self) -> str:
        """`postgresql://user@h1:5432,h2:5433/db?...`: libpq's and asyncpg's form."""
        hosts = ",".join(self.hosts)
        return f"postgresql://{self._authority_prefix}{hosts}{self.path}{self._query_string([])}"

    def sqlalchemy(self) -> str:
        """`postgresql+asyncpg://...`: one host in place, several as `host=` parameters, which
        SQLAlchemy's asyncpg dialect hands to asyncpg as lists of hosts and ports."""
        if len(self.hosts) == 1:
            netloc, extra = self.hosts[0], []
        else:
            netloc, extra = "", [("host", host) for host in self.hosts]
        return (
            f"postgresql+asyncpg://{self._authority_prefix}{netloc}{self.path}"
            f"{self._query_string(extra)}"
        )


def parse(url: str) -> PostgresUrl:
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in SCHEMES:
        raise ValueError(f"DATABASE_URL must be a postgresql:// URL, got {scheme}://...")
    # Split by hand: urllib would reject `h1:5432,h2:5433` as a port too.
    authority, slash, after = rest.partition("/")
    userinfo, at, hostlist = authority.rpartition("@")
    if not at:
        userinfo, hostlist = "", authority
    parts = urlsplit(f"x://h/{after}" if slash else "x://h")
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    hosts = [host for host in hostlist.split(",") if host]
    # A `host=` parameter that names a Unix socket directory stays a parameter.
    hosts += [value for key, value in pairs if _is_network_host(key, value)]
    return PostgresUrl(
        userinfo,
        tuple(hosts),
        parts.path,
        tuple((key, value) for key, value in pairs if not _is_network_host(key, value)),
    )


def _is_network_host(key: str, value: str) -> bool:
    return key == "host" and not value.startswith("/")
