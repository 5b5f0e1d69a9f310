"""Credentials come from the environment or the OS keyring, never from a YAML file.

For ``credentials: registry`` robot reads ``REGISTRY_USER`` and ``REGISTRY_PASSWORD``; when
either is unset it asks the keyring for service ``robot:registry`` (set it once with
``keyring set robot:registry <user>``, and ``REGISTRY_USER=<user>``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from robot_core.errors import ConfigError


@dataclass(frozen=True)
class Credentials:
    """A user name and password; ``repr`` never shows the password."""

    user: str
    password: str

    def __repr__(self) -> str:
        return f"Credentials(user={self.user!r}, password='********')"

    def as_template_values(self) -> dict[str, str]:
        """What ``{{ secret.user }}`` and ``{{ secret.password }}`` read."""
        return {"user": self.user, "password": self.password}


def resolve(name: str) -> Credentials:
    """Credentials for ``name`` from the environment, else the keyring."""
    prefix = name.upper().replace("-", "_")
    user = os.environ.get(f"{prefix}_USER")
    password = os.environ.get(f"{prefix}_PASSWORD")
    if user and password:
        return Credentials(user, password)
    from_keyring = _keyring(f"robot:{name}", user)
    if from_keyring is not None:
        return from_keyring
    raise ConfigError(f"no credentials for {name!r}: set {prefix}_USER and {prefix}_PASSWORD, "
                      f"or store them in the OS keyring under service 'robot:{name}'")


def _keyring(service: str, user: str | None) -> Credentials | None:
    try:
        import keyring  # noqa: PLC0415 - optional backend; import errors are reported below
        from keyring.errors import KeyringError  # noqa: PLC0415
    except ImportError:
        return None
    try:
        found = keyring.get_credential(service, user)
    except (KeyringError, RuntimeError):
        return None  # no usable keyring backend on this machine
    if found is None or not found.username or not found.password:
        return None
    return Credentials(str(found.username), str(found.password))
