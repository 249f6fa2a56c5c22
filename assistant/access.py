"""Who may do what: two roles, secrets compared in constant time, and the folders the chat
and the service may read.

*Readers* ask questions; *editors* also add, upload, re-index and remove articles. The
command lines are the machine's own user and are not confined; the chat and the HTTP
service, which anyone who reaches them can use, check their users' role and read local files
only inside `Settings.index_roots`.
"""

from __future__ import annotations

import enum
import hmac
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from ingest.errors import NewsQAError


class Role(enum.Enum):
    """What a user may do: a reader asks; an editor also changes what is indexed."""

    READER = "reader"
    EDITOR = "editor"


class OutsideRootsError(NewsQAError):
    """A path the chat or the service was asked to read lies outside the allowed folders."""


def same_secret(given: str | None, expected: SecretStr | None) -> bool:
    """Return True when ``given`` is the secret, compared in constant time (no secret: never)."""
    if expected is None or given is None:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.get_secret_value().encode("utf-8"))


class IndexRoots:
    """The folders local files may be read from, as the chat and the service see them."""

    def __init__(self, roots: Iterable[Path]) -> None:
        self.roots: tuple[Path, ...] = tuple(dict.fromkeys(Path(os.path.realpath(root)) for root in roots))

    def refusal(self, path: str | Path) -> str | None:
        """Return why ``path`` may not be read (outside every root, once resolved), or None."""
        try:
            self.check(path)
        except OutsideRootsError:
            real = os.path.realpath(os.path.expanduser(str(path)))
            via = f" (it leads to {real})" if real != os.path.abspath(os.path.expanduser(str(path))) else ""
            return (
                f"refused: outside the folders this newsqa may read{via}: {self.describe()}. "
                "Set NEWSQA_INDEX_ROOTS to let another folder in."
            )
        return None

    def check(self, path: str | Path) -> Path:
        """Return the real path of ``path`` if it lies inside a root, else raise `OutsideRootsError`.

        The path is resolved first (``..``, symbolic links, ``~``), so a link or a ``..``
        that leads outside is refused like any other outside path.
        """
        real = Path(os.path.realpath(os.path.expanduser(str(path))))
        if any(real == root or real.is_relative_to(root) for root in self.roots):
            return real
        raise OutsideRootsError(
            f"{path} is outside the folders this newsqa may read ({self.describe()}). "
            "Move the articles there, or have whoever runs newsqa add their folder to NEWSQA_INDEX_ROOTS."
        )

    def describe(self) -> str:
        """Return the roots as a list for messages."""
        return ", ".join(str(root) for root in self.roots) or "none"


def parse_roots(value: str | Sequence[str] | None) -> list[Path]:
    """Return the folders an ``NEWSQA_INDEX_ROOTS`` value lists (``os.pathsep``- or comma-separated)."""
    if value is None:
        return []
    parts = value.replace(",", os.pathsep).split(os.pathsep) if isinstance(value, str) else list(value)
    return [Path(part.strip()).expanduser() for part in parts if str(part).strip()]


@dataclass(frozen=True)
class ApiKey:
    """One key of the HTTP service and the role it gives."""

    role: Role
    secret: SecretStr


def parse_api_keys(value: SecretStr | str | None) -> list[ApiKey]:
    """Return the keys an ``NEWSQA_API_KEYS`` value lists: ``ROLE:KEY`` entries separated by commas.

    ``ROLE`` is ``reader`` or ``editor`` (any case); a role may have several keys. A malformed
    entry raises ValueError naming its position, never its text (it may hold a key).
    """
    text = value.get_secret_value() if isinstance(value, SecretStr) else (value or "")
    keys: list[ApiKey] = []
    roles = {role.value: role for role in Role}
    for position, entry in enumerate(text.split(","), start=1):
        if not entry.strip():
            continue
        role, colon, secret = entry.strip().partition(":")
        if not colon or role.strip().lower() not in roles or not secret.strip():
            raise ValueError(
                f"entry {position} is not ROLE:KEY with ROLE reader or editor "
                "(e.g. reader:KEY1,editor:KEY2; keys may not contain commas)"
            )
        keys.append(ApiKey(roles[role.strip().lower()], SecretStr(secret.strip())))
    return keys


def role_of_key(given: str | None, keys: Sequence[ApiKey]) -> Role | None:
    """Return the role ``given`` unlocks, or None; every key is compared, in constant time each.

    A key listed for both roles counts as an editor's.
    """
    matched = [key.role for key in keys if same_secret(given, key.secret)]
    if Role.EDITOR in matched:
        return Role.EDITOR
    return Role.READER if matched else None
