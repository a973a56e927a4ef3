"""Header mode: a proxy in front signs the reader in and names them in two request headers.

The headers are believed only from ``auth.trusted_proxies``: anyone else can send them too.
The proxy must remove them from what clients send before its own sign-in step sets them
(deploy/haproxy.cfg shows how): WSGI servers join a header sent twice into one value, so a
client's copy left beside the proxy's would add the client's groups.
"""

from __future__ import annotations

import functools
import ipaddress

from flask import request

from kb.config import Config
from kb.web.auth import SIGNED_OUT, Reader

#: Bounds on what a header may claim (a proxy's list of a few groups is far below them).
MAX_NAME_CHARS = 200
MAX_GROUPS = 200


@functools.lru_cache(maxsize=8)
def _networks(trusted: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in trusted)


def is_trusted(peer: str | None, trusted: tuple[str, ...]) -> bool:
    """Whether the connecting peer's address is one of the trusted proxies."""
    try:
        address = ipaddress.ip_address((peer or "").strip())
    except ValueError:  # no address at all (a UNIX socket): nobody to trust
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 on a dual-stack socket
    return any(address in network for network in _networks(trusted))


def _text(value: str) -> str:
    """A header value as the proxy meant it: WSGI hands over Latin-1; proxies send UTF-8."""
    try:
        value = value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    return "".join(c for c in value if c.isprintable()).strip()


def parse_groups(value: str) -> frozenset[str]:
    """``"staff, editors,,"`` -> ``{"staff", "editors"}``: comma-separated, blanks dropped."""
    groups = (_text(part)[:MAX_NAME_CHARS] for part in value.split(",")[:MAX_GROUPS])
    return frozenset(group for group in groups if group)


def reader_from_headers(config: Config) -> Reader:
    """The reader the trusted proxy names; signed out for anyone else."""
    if not is_trusted(request.remote_addr, config.auth_trusted_proxies):
        return SIGNED_OUT
    name = _text(request.headers.get(config.auth_user_header, ""))[:MAX_NAME_CHARS]
    if not name:
        return SIGNED_OUT
    return Reader(name=name, groups=parse_groups(request.headers.get(config.auth_groups_header, "")), signed_in=True)
