"""Make a password hash for FOERDERBERATER_ADMIN_PASSWORD_HASH / _STAFF_PASSWORD_HASH.

    python -m foerderberater.security.hashpw            # asks twice, input hidden
    printf '%s\\n' "$PW" | python -m foerderberater.security.hashpw --stdin

Prints only the hash (``scrypt$ln=..,r=..,p=..$salt$hash``) on stdout; never the password.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Sequence

from foerderberater.core.errors import ConfigError
from foerderberater.security.auth import DEFAULT_LOG_N, hash_password

MIN_LENGTH = 12


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m foerderberater.security.hashpw",
        description="Passwort-Hash (scrypt) für den Team- oder Admin-Zugang erzeugen",
    )
    parser.add_argument("--stdin", action="store_true", help="Passwort aus der ersten Zeile lesen")
    parser.add_argument(
        "--ln",
        type=int,
        default=DEFAULT_LOG_N,
        help=f"scrypt-Kosten log2(N) (Standard {DEFAULT_LOG_N})",
    )
    args = parser.parse_args(argv)
    if args.stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Neues Passwort: ")
        if getpass.getpass("Wiederholen: ") != password:
            print("Die Eingaben stimmen nicht überein.", file=sys.stderr)
            return 2
    if len(password) < MIN_LENGTH:
        print(f"Das Passwort ist zu kurz (mindestens {MIN_LENGTH} Zeichen).", file=sys.stderr)
        return 2
    try:
        print(hash_password(password, log_n=args.ln).encode())
    except ConfigError as exc:
        print(f"Ungültige Angabe: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
