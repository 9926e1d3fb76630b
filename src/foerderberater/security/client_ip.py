"""The address of the real client, honouring ``X-Forwarded-For`` only from trusted proxies.

Rule: the TCP peer is the client unless the peer is a configured trusted proxy
(``FOERDERBERATER_TRUSTED_PROXIES``, comma-separated IPs or CIDRs). Behind trusted proxies the
``X-Forwarded-For`` chain is read from the right; the first address that is not a trusted
proxy is the client. Anything left of it was written by the client and is ignored, so a
client cannot choose its own address by sending the header.

The web server must not rewrite the peer itself (uvicorn: ``proxy_headers=False``), otherwise
uvicorn trusts the header from 127.0.0.1 before this rule runs.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from foerderberater.core.errors import ConfigError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
UNKNOWN = "unbekannt"
ENV_TRUSTED_PROXIES = "FOERDERBERATER_TRUSTED_PROXIES"


@dataclass(frozen=True)
class TrustedProxies:
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, text: str | None) -> TrustedProxies:
        """``"10.0.0.0/8, 192.168.1.5"`` -> networks; empty means: trust no proxy."""
        networks = []
        for item in (text or "").replace(";", ",").replace(" ", ",").split(","):
            item = item.strip()
            if not item:
                continue
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError as exc:
                raise ConfigError(
                    "trusted_proxies", f"{item!r} ist keine IP-Adresse und kein CIDR-Netz"
                ) from exc
        return cls(tuple(networks))

    def __contains__(self, address: object) -> bool:
        if not isinstance(address, ipaddress.IPv4Address | ipaddress.IPv6Address):
            return False
        return any(address in net for net in self.networks if net.version == address.version)


def parse_address(text: str | None) -> IPAddress | None:
    """An IP from a peer or header entry (``1.2.3.4``, ``1.2.3.4:5678``, ``[::1]:80``)."""
    if not text:
        return None
    value = text.strip().strip('"')
    if value.startswith("["):  # [v6]:port
        value = value[1:].split("]", 1)[0]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    value = value.split("%", 1)[0]  # zone index of link-local v6
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def forwarded_chain(header_values: Iterable[str]) -> list[str]:
    """All hops of one or more ``X-Forwarded-For`` header lines, left to right."""
    hops: list[str] = []
    for value in header_values:
        hops.extend(part.strip() for part in value.split(",") if part.strip())
    return hops


def client_address(
    peer: str | None, forwarded_for: Iterable[str], trusted: TrustedProxies
) -> IPAddress | None:
    """The client's IP by the rule above; None when the peer itself is unknown."""
    address = parse_address(peer)
    if address is None or address not in trusted:
        return address
    for hop in reversed(forwarded_chain(forwarded_for)):
        parsed = parse_address(hop)
        if parsed is None:
            # a proxy we trust wrote garbage: keep the last hop we could verify
            return address
        if parsed not in trusted:
            return parsed
        address = parsed
    return address


def client_key(address: IPAddress | None) -> str:
    """Throttle key: the IPv4 address, or the /64 network of an IPv6 address."""
    if address is None:
        return UNKNOWN
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def client_id(peer: str | None, forwarded_for: Iterable[str], trusted: TrustedProxies) -> str:
    """Shortcut used by the web handlers: the throttle key of the request's real client."""
    return client_key(client_address(peer, forwarded_for, trusted))
