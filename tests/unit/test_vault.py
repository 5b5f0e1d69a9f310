"""The queue key and sealed secret columns: where the key comes from, and what it refuses."""

from __future__ import annotations

import json
import os
import stat
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import keyring
import pytest
from helpers import MY_NUMBER, SHIPPED_BOTS, SHIPPED_SELECTORS
from keyring.backend import KeyringBackend

from robot_core import vault
from robot_core.evidence.audit import MASK
from robot_core.intake import CaseRow
from robot_core.queue.payload import Sealer, SecretsErased, from_payload, to_payload
from robot_core.script.loader import load_bot
from robot_core.vault import Vault, VaultError, load_key, new_key, parse_key

BOT = load_bot(SHIPPED_BOTS / "resident_registration.yaml", SHIPPED_SELECTORS)


class MemoryKeyring(KeyringBackend):
    """A keyring backend holding its passwords in a dict (keyring's own plug-in interface)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self, delay_s: float = 0) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}
        self.delay_s = delay_s
        self.released = threading.Event()

    def get_password(self, service: str, username: str) -> str | None:
        """The stored password, after ``delay_s`` (a locked keyring waits for its user)."""
        self.released.wait(self.delay_s)
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        """Store a password."""
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        """Forget a password."""
        self.passwords.pop((service, username), None)


@pytest.fixture(autouse=True)
def no_key_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No ROBOT_KEY and the machine's own keyring (none, on a test box) unless a test says."""
    monkeypatch.delenv("ROBOT_KEY", raising=False)
    before = keyring.get_keyring()
    yield
    keyring.set_keyring(before)


def _case(my_number: str = MY_NUMBER, key: str = "U1") -> CaseRow:
    return CaseRow(5, key, {"case_id": key, "my_number": my_number, "birth_date": date(1980, 1, 2)},
                   {"受付番号": key, "個人番号": my_number, "生年月日": "1980/01/02"})


def _sealer(home: Path) -> Sealer:
    return Sealer.for_bot(BOT, Vault(home), ["受付番号", "個人番号", "生年月日"])


def test_environment_key_wins_over_keyring_and_file(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """ROBOT_KEY is used before the keyring, and the keyring before the key file."""
    env_key, ring_key = new_key(), new_key()
    ring = MemoryKeyring()
    ring.set_password("robot", "queue-key", ring_key)
    keyring.set_keyring(ring)
    monkeypatch.setenv("ROBOT_KEY", env_key)
    assert load_key(tmp_path) == (parse_key(env_key, "x"), "ROBOT_KEY")
    monkeypatch.delenv("ROBOT_KEY")
    key, source = load_key(tmp_path)
    assert key == parse_key(ring_key, "x") and "keyring" in source
    assert not (tmp_path / "keys").exists(), "no key file is made while the keyring has one"
    ring.delete_password("robot", "queue-key")
    key, source = load_key(tmp_path)
    assert source == str(tmp_path / "keys" / "queue.key")
    assert load_key(tmp_path)[0] == key, "the key file made once is used from then on"


def test_key_file_is_made_private_and_atomically(tmp_path: Path) -> None:
    """The key file is 0600 in a 0700 folder and holds a key; no temporary file is left."""
    home = tmp_path / "home"
    load_key(home)
    folder, path = home / "keys", home / "keys" / "queue.key"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in folder.iterdir()] == ["queue.key"]
    assert len(parse_key(path.read_text(), "file")) == 32


def test_a_hanging_keyring_falls_through_in_time(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A keyring that never answers is given up after the time bound; the key file is used."""
    ring = MemoryKeyring(delay_s=30)
    keyring.set_keyring(ring)
    monkeypatch.setattr(vault, "KEYRING_TIMEOUT_S", 0.3)
    started = time.monotonic()
    try:
        _, source = load_key(tmp_path)
    finally:
        ring.released.set()
    assert time.monotonic() - started < 5
    assert source.endswith("queue.key")


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    """A 0644 key file is refused with a message naming it and its mode, not used."""
    path = tmp_path / "keys" / "queue.key"
    path.parent.mkdir()
    path.write_text(new_key())
    os.chmod(path, 0o644)
    with pytest.raises(VaultError, match=r"queue\.key: the queue key is readable by other "
                                         r"users \(mode 0644\); refusing it"):
        load_key(tmp_path)


def test_a_malformed_key_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A ROBOT_KEY that is no 32-byte key is refused naming the variable."""
    monkeypatch.setenv("ROBOT_KEY", "not-a-key")
    with pytest.raises(VaultError, match="ROBOT_KEY is not a robot key"):
        load_key(tmp_path)


def test_sealed_payload_holds_no_secret_and_opens_again(tmp_path: Path) -> None:
    """The payload keeps no My Number in clear; the sealer brings back value and cell."""
    sealer = _sealer(tmp_path)
    payload = to_payload(_case(), sealer)
    text = json.dumps(payload, ensure_ascii=False)
    assert MY_NUMBER not in text
    assert payload["values"]["my_number"] is None and payload["raw"]["個人番号"] == MASK
    assert payload["values"]["case_id"] == "U1", "other columns stay readable"
    case = from_payload("U1", 5, payload, sealer)
    assert case.values["my_number"] == MY_NUMBER and case.raw["個人番号"] == MY_NUMBER
    assert case.values["birth_date"] == date(1980, 1, 2)
    shown = from_payload("U1", 5, payload)  # as the results workbook reads it
    assert shown.values["my_number"] is None and shown.raw["個人番号"] == MASK


def test_ciphertext_differs_per_row_and_is_bound_to_its_row(tmp_path: Path) -> None:
    """Two rows with the same My Number seal differently, and a token moved between rows
    does not open."""
    sealer = _sealer(tmp_path)
    one, two = to_payload(_case(key="U1"), sealer), to_payload(_case(key="U2"), sealer)
    assert one["sealed"] != two["sealed"]
    assert to_payload(_case(key="U1"), sealer)["sealed"] != one["sealed"], "a fresh nonce"
    swapped = {**two, "sealed": one["sealed"]}
    with pytest.raises(VaultError, match="does not belong to its item"):
        from_payload("U2", 5, swapped, sealer)


def test_another_key_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A queue written with one key and read with another says so, naming ROBOT_KEY."""
    monkeypatch.setenv("ROBOT_KEY", new_key())
    payload = to_payload(_case(), _sealer(tmp_path))
    monkeypatch.setenv("ROBOT_KEY", new_key())
    with pytest.raises(VaultError, match=r"the queue was written with another key .* set "
                                         r"ROBOT_KEY to the key the queue was written with"):
        from_payload("U1", 5, payload, _sealer(tmp_path))


def test_erased_secrets_are_not_typed_blank(tmp_path: Path) -> None:
    """An item whose sealed secrets were erased refuses to be rebuilt for a worker."""
    sealer = _sealer(tmp_path)
    payload = {**to_payload(_case(), sealer), "sealed": None}
    with pytest.raises(SecretsErased, match="erased"):
        from_payload("U1", 5, payload, sealer)
    assert from_payload("U1", 5, payload).raw["個人番号"] == MASK, "the workbook still masks"


def test_a_row_without_secret_values_needs_no_key(tmp_path: Path) -> None:
    """A row whose secret columns are blank is stored without a sealed part or a key file."""
    payload = to_payload(_case(my_number=""), _sealer(tmp_path))
    assert "sealed" not in payload
    assert not (tmp_path / "keys").exists()
