"""Who is asking: a request's client address, and the keyed hash under which the store counts it.

The address is the connection's own peer, unless the deployment names that peer a trusted proxy
(MENTORSHIP_TRUSTED_PROXIES: addresses or networks, none by default); then it is the right-most address of
`X-Forwarded-For` that is not itself a trusted proxy, the one the proxy saw connect. A header sent by any
other peer is ignored, so a browser cannot pick its own address by writing one.

The store never holds an address: it holds `key(address, secret)`, an HMAC under a secret of the store's
own. An IPv6 address is counted by its /64 network, which one subscriber usually holds whole.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
from collections.abc import Mapping

TRUSTED_PROXIES_ENV = "MENTORSHIP_TRUSTED_PROXIES"
IPV6_PREFIX = 64
_MAX_HOP = 64  # characters kept of one X-Forwarded-For entry (an address is at most 45)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_proxies(value: str | None = None) -> tuple[Network, ...]:
    """The trusted proxies: `value`, or else MENTORSHIP_TRUSTED_PROXIES (comma-separated
    addresses or CIDR networks). ValueError, naming the entry, when one is neither."""
    raw = os.environ.get(TRUSTED_PROXIES_ENV, "") if value is None else value
    networks: list[Network] = []
    for entry in filter(None, (part.strip() for part in raw.split(","))):
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"{TRUSTED_PROXIES_ENV}: {entry!r} is not an address or a network.") from None
    return tuple(networks)


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.strip().removeprefix("[").removesuffix("]"))
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _trusted(text: str, proxies: tuple[Network, ...]) -> bool:
    address = _ip(text)
    return address is not None and any(address in network for network in proxies)


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return value or ""
    return ""


def client_address(
    peer: str | None, headers: Mapping[str, str], *, proxies: tuple[Network, ...] | None = None
) -> str:
    """The client's address as this deployment can know it ("" when there is no peer at all): `peer`,
    or, when `peer` is a trusted proxy, the right-most `X-Forwarded-For` entry that is not one."""
    proxies = trusted_proxies() if proxies is None else proxies
    peer = (peer or "").strip()
    if not _trusted(peer, proxies):
        return peer
    hops = [hop.strip() for hop in _header(headers, "x-forwarded-for").split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, proxies):
            return hop[:_MAX_HOP]
    return hops[0][:_MAX_HOP] if hops else peer


def bucket(address: str) -> str:
    """What one client is counted as: its IPv4 address, its IPv6 /64 network, or the text as given."""
    ip = _ip(address)
    if ip is None:
        return address.strip()
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/{IPV6_PREFIX}", strict=False))
    return str(ip)


def key(address: str, secret: bytes) -> str:
    """The keyed hash the store counts a client under ("" for no address): 32 hex characters."""
    if not address:
        return ""
    return hmac.new(secret, bucket(address).encode(), hashlib.sha256).hexdigest()[:32]
