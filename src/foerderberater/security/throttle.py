"""Login back-off per (client, account) with a storage seam.

Every failed login of one client for one account counts; after ``free_attempts`` failures the
pair must wait ``base_delay * 2**(failures - free_attempts)`` seconds (at most ``max_delay``).
A wait only ever applies to that pair: an attacker at one address does not lock out the real
admin at another address, and hammering the staff account does not lock the admin account.
Attempts during a wait are refused without checking the password (no CPU spent on scrypt) and
do not extend the wait. Counters are forgotten ``forget_after`` seconds after the last failure.

Failed logins are logged (logger ``foerderberater.security``) with account, client and count;
the password is never passed to this module, so it cannot be logged.

``ThrottleStore`` is the seam for another backend (PostgreSQL: one row per (client, account),
``INSERT ... ON CONFLICT DO UPDATE SET failures = failures + 1 RETURNING ...``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger("foerderberater.security")


@dataclass(frozen=True)
class ThrottlePolicy:
    free_attempts: int = 3
    base_delay: float = 30.0
    max_delay: float = 900.0
    forget_after: float = 24 * 3600.0

    def delay(self, failures: int) -> float:
        if failures < self.free_attempts:
            return 0.0
        exponent = min(failures - self.free_attempts, 40)  # 2**40 s is beyond any max_delay
        return min(self.max_delay, self.base_delay * 2**exponent)


@dataclass(frozen=True)
class AttemptState:
    failures: int
    last_failure: float
    locked_until: float


class ThrottleStore(Protocol):
    """Counters per key; ``add_failure`` must be atomic (two requests never both count as one)."""

    def get(self, key: tuple[str, str]) -> AttemptState | None: ...

    def add_failure(
        self, key: tuple[str, str], now: float, policy: ThrottlePolicy
    ) -> AttemptState: ...

    def clear(self, key: tuple[str, str]) -> None: ...


class MemoryThrottleStore:
    """In-process store; bounded (least recently failed pairs are dropped first)."""

    def __init__(self, max_entries: int = 10_000) -> None:
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._states: OrderedDict[tuple[str, str], AttemptState] = OrderedDict()

    def get(self, key: tuple[str, str]) -> AttemptState | None:
        with self._lock:
            return self._states.get(key)

    def add_failure(self, key: tuple[str, str], now: float, policy: ThrottlePolicy) -> AttemptState:
        with self._lock:
            old = self._states.pop(key, None)
            failures = 1
            if old is not None and now - old.last_failure < policy.forget_after:
                failures = old.failures + 1
            state = AttemptState(failures, now, now + policy.delay(failures))
            self._states[key] = state
            while len(self._states) > self.max_entries:
                self._states.popitem(last=False)
            return state

    def clear(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._states.pop(key, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._states)


@dataclass(frozen=True)
class LoginResult:
    ok: bool
    wait_seconds: int = 0  # > 0: refused because of back-off, password not checked
    failures: int = 0


class LoginThrottle:
    def __init__(
        self,
        policy: ThrottlePolicy | None = None,
        store: ThrottleStore | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.policy = policy or ThrottlePolicy()
        self.store: ThrottleStore = store if store is not None else MemoryThrottleStore()
        self._clock = clock

    def wait_seconds(self, client: str, account: str) -> int:
        state = self.store.get((client, account))
        if state is None:
            return 0
        remaining = state.locked_until - self._clock()
        return max(0, int(remaining + 0.999))

    def attempt(self, client: str, account: str, verify: Callable[[], bool]) -> LoginResult:
        """Check the back-off, then run ``verify`` (the password check) and record the result."""
        wait = self.wait_seconds(client, account)
        if wait:
            log.warning(
                "Anmeldung abgewiesen (Wartezeit %d s): Konto=%s Client=%s", wait, account, client
            )
            return LoginResult(False, wait_seconds=wait)
        if verify():
            self.store.clear((client, account))
            log.info("Anmeldung erfolgreich: Konto=%s Client=%s", account, client)
            return LoginResult(True)
        state = self.store.add_failure((client, account), self._clock(), self.policy)
        delay = state.locked_until - state.last_failure
        log.warning(
            "Fehlgeschlagene Anmeldung: Konto=%s Client=%s Fehlversuch=%d Wartezeit=%.0f s",
            account,
            client,
            state.failures,
            delay,
        )
        return LoginResult(False, failures=state.failures)
