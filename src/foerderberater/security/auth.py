"""Roles, scrypt password hashes and server-side login sessions.

Roles: ``staff`` (feedback list and export, debug view, evaluation) and ``admin`` (everything
staff may do, plus corpus upload/removal and index builds).

Credentials come from the environment at start-up (``load_credentials``):

* ``FOERDERBERATER_ADMIN_PASSWORD_HASH`` / ``FOERDERBERATER_STAFF_PASSWORD_HASH``: a hash made
  by ``python -m foerderberater.security.hashpw`` (format ``scrypt$ln=..,r=..,p=..$salt$hash``);
* ``FOERDERBERATER_PASSWORD_FILE``: a file with lines ``admin: <hash>`` / ``staff: <hash>``;
* ``FOERDERBERATER_ADMIN_PASSWORD`` / ``FOERDERBERATER_STAFF_PASSWORD``: plain passwords, still
  accepted; they are hashed in memory at once and the plain text is not kept. The hash of a
  plain password uses a low cost (``PLAIN_LOG_N``): it never leaves the process, and whoever
  could steal it could read the plain text from the environment anyway. A stored hash (env or
  file) keeps the full cost against offline guessing; online guessing is stopped by the
  login back-off either way.

A role without any credential is disabled. Plain passwords and hashes never appear in ``repr``.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from foerderberater.core.errors import ConfigError, FoerderberaterError

# N = 2**15, r = 8, p = 3: 32 MiB, one of the OWASP-recommended scrypt settings
DEFAULT_LOG_N = 15
DEFAULT_P = 3
PLAIN_LOG_N = 12  # in-memory hash of a plain password from the environment (see module doc)
_LIMITS = {"ln": (10, 20), "r": (1, 32), "p": (1, 16)}
_FORMAT = re.compile(r"^scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$")


class Role(enum.StrEnum):
    STAFF = "staff"
    ADMIN = "admin"

    def allows(self, required: Role) -> bool:
        """Admin may do everything staff may do; staff may not do admin work."""
        return self is Role.ADMIN or required is Role.STAFF


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


@dataclass(frozen=True, repr=False)
class PasswordHash:
    log_n: int
    r: int
    p: int
    salt: bytes
    digest: bytes

    def __repr__(self) -> str:
        return f"PasswordHash(scrypt, ln={self.log_n}, r={self.r}, p={self.p})"

    @classmethod
    def parse(cls, text: str, what: str = "Passwort-Hash") -> PasswordHash:
        match = _FORMAT.match(text.strip())
        if not match:
            raise ConfigError(
                what,
                "kein gültiger Hash (erwartet scrypt$ln=..,r=..,p=..$Salz$Hash; erzeugen mit "
                "python -m foerderberater.security.hashpw)",
            )
        ln, r, p = (int(match.group(i)) for i in (1, 2, 3))
        for name, value in (("ln", ln), ("r", r), ("p", p)):
            low, high = _LIMITS[name]
            if not low <= value <= high:
                raise ConfigError(what, f"Parameter {name}={value} außerhalb {low}..{high}")
        try:
            salt, digest = _unb64(match.group(4)), _unb64(match.group(5))
        except ValueError as exc:
            raise ConfigError(what, "Salz oder Hash ist kein gültiges Base64") from exc
        if len(salt) < 16 or len(digest) < 32:
            raise ConfigError(what, "Salz (mind. 16 Bytes) oder Hash (mind. 32 Bytes) zu kurz")
        return cls(ln, r, p, salt, digest)

    def encode(self) -> str:
        return f"scrypt$ln={self.log_n},r={self.r},p={self.p}${_b64(self.salt)}${_b64(self.digest)}"

    def verify(self, password: str) -> bool:
        """Constant-time comparison of the scrypt digest of ``password``."""
        candidate = _scrypt(password, self.salt, self.log_n, self.r, self.p, len(self.digest))
        return hmac.compare_digest(candidate, self.digest)


def _scrypt(password: str, salt: bytes, log_n: int, r: int, p: int, length: int) -> bytes:
    n = 2**log_n
    maxmem = 128 * r * (n + p + 2) + (1 << 20)
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=maxmem, dklen=length
    )


def hash_password(
    password: str,
    *,
    log_n: int = DEFAULT_LOG_N,
    r: int = 8,
    p: int = DEFAULT_P,
    salt: bytes | None = None,
) -> PasswordHash:
    if not password:
        raise ConfigError("passwort", "darf nicht leer sein")
    salt = salt if salt is not None else secrets.token_bytes(16)
    return PasswordHash(log_n, r, p, salt, _scrypt(password, salt, log_n, r, p, 32))


@dataclass(frozen=True, repr=False)
class Credentials:
    hashes: Mapping[Role, PasswordHash] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"Credentials(roles={sorted(r.value for r in self.hashes)})"

    def enabled(self, role: Role) -> bool:
        """Can anybody log in with ``role`` (or a role that includes it)?"""
        return any(have.allows(role) for have in self.hashes)

    def authenticate(self, password: str, wanted: Role) -> Role | None:
        """The role ``password`` opens among those that allow ``wanted`` (admin first)."""
        matched = None
        for role in (Role.ADMIN, Role.STAFF):
            stored = self.hashes.get(role)
            if stored is None or not role.allows(wanted):
                continue
            # check every candidate, so the time does not tell which role matched
            if stored.verify(password or "") and matched is None:
                matched = role
        return matched


def hash_plain(password: str) -> PasswordHash:
    """The in-memory hash of a plain password from the environment (low cost, see above)."""
    return hash_password(password, log_n=PLAIN_LOG_N, p=1)


ENV_HASH = "FOERDERBERATER_{}_PASSWORD_HASH"
ENV_PLAIN = "FOERDERBERATER_{}_PASSWORD"
ENV_FILE = "FOERDERBERATER_PASSWORD_FILE"


def read_password_file(path: Path) -> dict[Role, PasswordHash]:
    """``admin: <hash>`` / ``staff: <hash>`` lines; ``#`` comments; plain text is refused."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError("password_file", f"{path} nicht lesbar: {type(exc).__name__}") from exc
    out: dict[Role, PasswordHash] = {}
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition(":")
        try:
            role = Role(name.strip().lower())
        except ValueError as exc:
            raise ConfigError(
                "password_file", f"{path}, Zeile {number}: Rolle muss admin oder staff sein"
            ) from exc
        if not sep:
            raise ConfigError("password_file", f"{path}, Zeile {number}: erwartet 'rolle: hash'")
        out[role] = PasswordHash.parse(value, f"password_file ({path}, Zeile {number})")
    return out


def load_credentials(
    env: Mapping[str, str] | None = None,
    *,
    hasher: Callable[[str], PasswordHash] = hash_plain,
) -> Credentials:
    """Credentials from the environment (see module doc); a role set twice is a ConfigError."""
    env = os.environ if env is None else env
    from_file: dict[Role, PasswordHash] = {}
    if env.get(ENV_FILE, "").strip():
        from_file = read_password_file(Path(env[ENV_FILE].strip()))
    hashes: dict[Role, PasswordHash] = {}
    for role in Role:
        hashed = env.get(ENV_HASH.format(role.name), "").strip()
        plain = env.get(ENV_PLAIN.format(role.name), "")
        sources = [
            n for n, v in (("Hash", hashed), ("Datei", role in from_file), ("Klartext", plain)) if v
        ]
        if len(sources) > 1:
            raise ConfigError(
                f"{role.value}_password",
                f"mehrfach gesetzt ({', '.join(sources)}) – bitte nur eine Quelle verwenden",
            )
        if hashed:
            hashes[role] = PasswordHash.parse(hashed, ENV_HASH.format(role.name))
        elif role in from_file:
            hashes[role] = from_file[role]
        elif plain:
            hashes[role] = hasher(plain)
    return Credentials(hashes)


class AccessDenied(FoerderberaterError):
    """A handler was called without the role it needs; the message is German for the UI."""

    def __init__(self, required: Role, reason: str) -> None:
        who = "Administrator" if required is Role.ADMIN else "Team-Mitglied"
        texts = {
            "anonymous": f"Bitte zuerst als {who} anmelden.",
            "expired": f"Die Anmeldung ist abgelaufen. Bitte erneut als {who} anmelden.",
            "forbidden": f"Dafür ist eine Anmeldung als {who} nötig.",
            "disabled": f"Der Zugang für {who} ist deaktiviert (kein Passwort gesetzt).",
        }
        super().__init__(texts[reason])
        self.required = required
        self.reason = reason
