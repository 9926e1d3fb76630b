"""Client address behind trusted proxies and the per-(client, account) login back-off."""

from __future__ import annotations

import ipaddress
import logging
import threading

import pytest

from foerderberater.core.errors import ConfigError
from foerderberater.security.client_ip import (
    TrustedProxies,
    client_address,
    client_id,
    client_key,
    parse_address,
)
from foerderberater.security.throttle import (
    LoginThrottle,
    MemoryThrottleStore,
    ThrottlePolicy,
)

PROXIES = TrustedProxies.parse("10.0.0.0/8, 192.168.1.5 ::1")


def ip(text: str):
    return ipaddress.ip_address(text)


def test_trusted_proxies_parse():
    assert len(PROXIES.networks) == 3
    assert ip("10.20.30.40") in PROXIES and ip("192.168.1.5") in PROXIES and ip("::1") in PROXIES
    assert ip("192.168.1.6") not in PROXIES and "10.0.0.1" not in PROXIES
    assert TrustedProxies.parse("").networks == () and TrustedProxies.parse(None).networks == ()
    with pytest.raises(ConfigError, match="kein CIDR"):
        TrustedProxies.parse("10.0.0.0/8, proxy.example")


@pytest.mark.parametrize(
    ("peer", "xff", "expected"),
    [
        ("203.0.113.9", ["1.2.3.4"], "203.0.113.9"),  # untrusted peer: header ignored
        ("10.0.0.2", ["198.51.100.7"], "198.51.100.7"),
        ("10.0.0.2", ["1.2.3.4, 198.51.100.7"], "198.51.100.7"),  # left part is the client's
        ("10.0.0.2", ["1.2.3.4, 198.51.100.7, 10.0.0.9"], "198.51.100.7"),  # proxy chain
        ("10.0.0.2", ["1.2.3.4", "198.51.100.7, 10.0.0.9"], "198.51.100.7"),  # two header lines
        ("10.0.0.2", ["10.1.1.1, 10.0.0.9"], "10.1.1.1"),  # only proxies: the left-most
        ("10.0.0.2", [], "10.0.0.2"),
        ("10.0.0.2", ["unsinn, 10.0.0.9"], "10.0.0.9"),  # garbage: last verified hop
        ("10.0.0.2", ["198.51.100.7:51234"], "198.51.100.7"),
        ("10.0.0.2", ["[2001:db8::5]:443"], "2001:db8::5"),
        ("::ffff:10.0.0.2", ["198.51.100.7"], "198.51.100.7"),  # v4-mapped peer
        ("::1", ['"198.51.100.8"'], "198.51.100.8"),
    ],
)
def test_client_address_rule(peer, xff, expected):
    assert client_address(peer, xff, PROXIES) == ip(expected)


def test_unknown_peer_and_keys():
    assert client_address(None, ["1.2.3.4"], PROXIES) is None
    assert client_key(None) == "unbekannt"
    assert parse_address("kein-ip") is None
    assert client_key(ip("2001:db8:1:2:3:4:5:6")) == "2001:db8:1:2::/64"  # one /64 = one client
    assert client_id("203.0.113.9", ["1.1.1.1"], TrustedProxies()) == "203.0.113.9"


class Clock:
    def __init__(self) -> None:
        self.now = 10_000.0

    def __call__(self) -> float:
        return self.now


def test_exponential_back_off_per_client_and_account():
    clock = Clock()
    throttle = LoginThrottle(ThrottlePolicy(3, 30, 900), clock=clock)
    calls = []

    def wrong() -> bool:
        calls.append(1)
        return False

    assert not throttle.attempt("a", "admin", wrong).ok
    assert not throttle.attempt("a", "admin", wrong).wait_seconds
    third = throttle.attempt("a", "admin", wrong)
    assert third.failures == 3 and throttle.wait_seconds("a", "admin") == 30
    refused = throttle.attempt("a", "admin", lambda: True)  # right password, but locked
    assert not refused.ok and refused.wait_seconds == 30 and len(calls) == 3
    # another client and another account of the same client are not affected
    assert throttle.attempt("b", "admin", lambda: True).ok
    assert throttle.attempt("a", "staff", lambda: True).ok
    waits = []
    for _ in range(8):
        clock.now += throttle.wait_seconds("a", "admin")
        throttle.attempt("a", "admin", wrong)
        waits.append(throttle.wait_seconds("a", "admin"))
    assert waits == [60, 120, 240, 480, 900, 900, 900, 900]
    clock.now += 900
    assert throttle.attempt("a", "admin", lambda: True).ok  # success clears the counter
    assert throttle.wait_seconds("a", "admin") == 0
    throttle.attempt("a", "admin", wrong)
    assert throttle.store.get(("a", "admin")).failures == 1


def test_failures_are_forgotten_after_a_quiet_day():
    clock = Clock()
    throttle = LoginThrottle(ThrottlePolicy(3, 30, 900, forget_after=3600), clock=clock)
    for _ in range(3):
        throttle.attempt("a", "admin", lambda: False)
    clock.now += 3601
    throttle.attempt("a", "admin", lambda: False)
    assert throttle.store.get(("a", "admin")).failures == 1


def test_failed_logins_are_logged_without_the_password(caplog):
    throttle = LoginThrottle(clock=Clock())
    password = "Geheim-im-Log-verboten"
    with caplog.at_level(logging.INFO, logger="foerderberater.security"):
        throttle.attempt("203.0.113.5", "admin", lambda: password == "falsch")
        throttle.attempt("203.0.113.5", "admin", lambda: password == password)
    text = caplog.text
    assert "Fehlgeschlagene Anmeldung" in text and "203.0.113.5" in text and "admin" in text
    assert "Anmeldung erfolgreich" in text
    assert password not in text


def test_store_is_bounded_and_counts_concurrent_failures_exactly():
    store = MemoryThrottleStore(max_entries=3)
    policy = ThrottlePolicy()
    for client in "abcd":
        store.add_failure((client, "admin"), 1.0, policy)
    assert len(store) == 3 and store.get(("a", "admin")) is None
    throttle = LoginThrottle(ThrottlePolicy(free_attempts=1000), MemoryThrottleStore())

    def hammer() -> None:
        for _ in range(50):
            throttle.attempt("x", "admin", lambda: False)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert throttle.store.get(("x", "admin")).failures == 400
