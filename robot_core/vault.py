"""The key that seals secret columns at rest, and the sealing itself (AES-256-GCM).

Where the key comes from, first found wins:

1. ``ROBOT_KEY``: 32 bytes, URL-safe base64 (``python -m robot_core.vault`` prints a new
   one). Every machine that shares a PostgreSQL queue needs the same one.
2. the OS keyring: service ``robot``, name ``queue-key`` (asked with a time bound, so a
   headless machine without a keyring, or a locked one, never hangs a night run);
3. ``ROBOT_HOME/keys/queue.key``: made on first use, 0600 in a 0700 folder. A key file
   others can read is refused.

The audit trail's key (``evidence/audit.py`` keys every line with it) is found the same
way, by its own names (``AUDIT``): ``ROBOT_AUDIT_KEY``, keyring ``robot``/``audit-key``,
``ROBOT_HOME/keys/audit.key``. It is a separate key, so whoever may read the queue's secrets
need not be able to forge evidence, and the reverse.

The key never goes into the queue. Each sealed value is bound to its item (bot and case
key as associated data), so a sealed value moved to another row does not open. A token
names the key that sealed it (a short hash of the key, never the key), so a queue opened
with another key says so instead of failing obscurely.

``digest`` is a keyed checksum (HMAC-SHA-256 under a key derived from the queue key): the
queue keeps one per case to tell a corrected row from the same row again, and without the
key it cannot be reversed into a My Number by trying them all.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
import stat
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from robot_core.errors import ConfigError
from robot_core.home import robot_home
from robot_core.private import FILE_MODE, private_dir

#: What a secret shows as wherever it is not sealed: audit lines, the queue, the results.
MASK = "********"
ENV = "ROBOT_KEY"
KEYRING_SERVICE = "robot"
KEYRING_NAME = "queue-key"
KEYRING_TIMEOUT_S = float(os.environ.get("ROBOT_KEYRING_TIMEOUT_S", "3"))
KEY_FILE = Path("keys") / "queue.key"
VERSION = "v1"
_NONCE = 12


class VaultError(ConfigError):
    """The key is missing, unsafe or not the one the queue was written with."""


@dataclass(frozen=True)
class KeySource:
    """Where one kind of key is looked for: a variable, a keyring name, a file in the home."""

    what: str  # "queue key", "audit key": for messages
    env: str
    keyring_name: str
    file: Path


QUEUE = KeySource("queue key", ENV, KEYRING_NAME, KEY_FILE)
AUDIT = KeySource("audit key", "ROBOT_AUDIT_KEY", "audit-key", Path("keys") / "audit.key")


def new_key() -> str:
    """A fresh key, as ``ROBOT_KEY`` and the key file write it."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii")


def parse_key(text: str, where: str) -> bytes:
    """The 32 key bytes of ``text``; ``VaultError`` naming ``where`` if it is no key."""
    try:
        key = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        key = b""
    if len(key) != 32:
        raise VaultError(f"{where} is not a robot key (32 bytes in URL-safe base64); "
                         "make one with: python -m robot_core.vault")
    return key


def key_id(key: bytes) -> str:
    """A short name of ``key`` that tells keys apart and reveals nothing of it."""
    return hashlib.sha256(b"robot queue key\0" + key).hexdigest()[:12]


class Vault:
    """Seals and opens values with the machine's queue key, loaded on first use."""

    def __init__(self, home: Path | None = None, key: bytes | None = None) -> None:
        self.home = home if home is not None else robot_home()
        self._key = key
        self.source = "the given key" if key is not None else ""
        self._lock = threading.Lock()
        self._aead: AESGCM | None = None
        self._id = ""

    @property
    def key(self) -> bytes:
        """The key; found (or made) the first time it is needed."""
        with self._lock:
            if self._key is None:
                self._key, self.source = load_key(self.home)
            return self._key

    @property
    def id(self) -> str:
        """``key_id`` of this vault's key."""
        if not self._id:
            self._id = key_id(self.key)
        return self._id

    @property
    def aead(self) -> AESGCM:
        """The cipher, made once (a long export seals a value per row)."""
        if self._aead is None:
            self._aead = AESGCM(self.key)
        return self._aead

    def digest(self, data: bytes, context: bytes) -> str:
        """A keyed checksum of ``data`` bound to ``context``: equal only for equal data."""
        mac_key = hashlib.sha256(b"robot content sum\0" + self.key).digest()
        return hmac.new(mac_key, context + b"\0" + data, hashlib.sha256).hexdigest()[:32]

    def seal(self, plain: bytes, context: bytes) -> str:
        """``plain`` encrypted and bound to ``context``, as text for a JSON payload."""
        nonce = os.urandom(_NONCE)
        sealed = self.aead.encrypt(nonce, plain, context)
        body = base64.urlsafe_b64encode(nonce + sealed).decode("ascii")
        return f"{VERSION}:{self.id}:{body}"

    def open(self, token: str, context: bytes) -> bytes:
        """What ``seal`` sealed; ``VaultError`` for another key or a value not of this item."""
        version, _, rest = token.partition(":")
        kid, _, body = rest.partition(":")
        if version != VERSION or not body:
            raise VaultError("a sealed value in the queue is not in a form this robot reads")
        if kid != self.id:
            raise VaultError(
                f"the queue was written with another key (key {kid}; this machine's key, "
                f"from {self.source}, is {self.id}): set {ENV} to the key the queue was "
                "written with (every machine sharing a queue needs the same one)")
        try:
            raw = base64.urlsafe_b64decode(body.encode("ascii"))
            return self.aead.decrypt(raw[:_NONCE], raw[_NONCE:], context)
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise VaultError("a sealed value in the queue does not belong to its item "
                             "(altered, or copied from another row); it was not used") from exc


def load_key(home: Path, source: KeySource = QUEUE) -> tuple[bytes, str]:
    """The key and where it came from: ``ROBOT_KEY``, the keyring, else the key file
    (made on first use)."""
    found = find_key(home, source)
    if found is not None:
        return found
    path = home / source.file
    _create_key_file(path)
    return _read_key_file(path, source), str(path)


def find_key(home: Path, source: KeySource) -> tuple[bytes, str] | None:
    """As ``load_key``, but None where no key is: nothing is made (a checker never invents
    the key it checks with)."""
    text = os.environ.get(source.env, "").strip()
    if text:
        return parse_key(text, source.env), source.env
    text = _from_keyring(source.keyring_name) or ""
    if text.strip():
        where = f"the keyring ({KEYRING_SERVICE}/{source.keyring_name})"
        return parse_key(text, where), where
    path = home / source.file
    if not path.exists():
        return None
    return _read_key_file(path, source), str(path)


def _from_keyring(name: str = KEYRING_NAME) -> str | None:
    """The keyring's key, or None: no keyring package, no backend, an error, or no answer
    within ``KEYRING_TIMEOUT_S`` (a locked keyring may wait for a password nobody types)."""
    answer: list[str | None] = []

    def ask() -> None:
        try:
            import keyring  # noqa: PLC0415 - optional; many servers have no keyring at all

            answer.append(keyring.get_password(KEYRING_SERVICE, name))
        except Exception:  # any backend failure means "no keyring here"
            answer.append(None)

    thread = threading.Thread(target=ask, name="keyring", daemon=True)
    thread.start()
    thread.join(KEYRING_TIMEOUT_S)
    return answer[0] if answer else None


def _read_key_file(path: Path, source: KeySource = QUEUE) -> bytes:
    what = source.what
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as exc:
        raise VaultError(f"{path}: cannot read the {what} ({exc.strerror})") from exc
    try:
        info = os.fstat(fd)
        if info.st_mode & 0o077:
            raise VaultError(f"{path}: the {what} is readable by other users (mode "
                             f"{stat.S_IMODE(info.st_mode):04o}); refusing it. Run "
                             f"chmod 600 {path} if nobody else could have copied it, "
                             "else make a new key")
        if info.st_uid != os.getuid():
            raise VaultError(f"{path}: the {what} belongs to another user; refusing it")
        text = os.read(fd, 4096).decode("ascii", errors="replace")
    finally:
        os.close(fd)
    return parse_key(text, str(path))


def _create_key_file(path: Path) -> None:
    """Write a new key where no key is; a key another process wrote first wins.

    The key goes to a temporary name opened with ``O_EXCL`` (0600), then is linked to its
    name, which fails if the name exists: the key file appears whole or not at all.
    """
    private_dir(path.parent)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, FILE_MODE)
    try:
        os.write(fd, (new_key() + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass  # another process made the key first: use theirs
    finally:
        temporary.unlink()


if __name__ == "__main__":
    print(new_key())  # the one job of ``python -m robot_core.vault``
