"""The byte pipes to a host: a local command on a pseudo-terminal, or an SSH session.

Both push what the host sends to ``on_data`` from a thread of their own and call
``on_close`` once when the host hangs up, so the driver sees a dropped connection the moment
it happens rather than at the next time-out.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import pty
import struct
import subprocess
import termios
import threading
from collections.abc import Callable, Mapping
from typing import Any

from robot_core.errors import SystemUnavailable

OnData = Callable[[bytes], None]
OnClose = Callable[[], None]


class PtyTransport:
    """``command`` on a new pseudo-terminal of ``rows`` x ``cols``."""

    def __init__(self, command: list[str], *, cwd: str, env: Mapping[str, str], rows: int,
                 cols: int, on_data: OnData, on_close: OnClose) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        try:
            self._proc = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave,
                                          cwd=cwd, env=dict(env), start_new_session=True)
        except OSError as exc:
            os.close(master)
            raise SystemUnavailable(f"cannot start {command[0]}: {exc.strerror}") from exc
        finally:
            os.close(slave)
        self._master = master
        self._on_data, self._on_close = on_data, on_close
        self.closed = False
        self._reader = threading.Thread(target=self._read, name="pty-reader", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self._master, 65536)
            except OSError:  # EIO: the program exited and the slave side is gone
                data = b""
            if not data:
                break
            self._on_data(data)
        self.closed = True
        self._on_close()

    def send(self, data: bytes) -> None:
        """Write keys to the program."""
        if self.closed:
            raise SystemUnavailable("the terminal program has exited")
        try:
            os.write(self._master, data)
        except OSError as exc:
            raise SystemUnavailable(f"the terminal program has gone ({exc.strerror})") from exc

    def close(self) -> None:
        """End the program (SIGTERM, then SIGKILL) and the pseudo-terminal."""
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._reader.join(timeout=5)
        with contextlib.suppress(OSError):
            os.close(self._master)
        self.closed = True


class SshTransport:
    """An interactive SSH session (a pty of ``term``, ``rows`` x ``cols``) via asyncssh.

    asyncssh is asynchronous and the driver is not: the connection lives on an event loop in
    a thread of its own, and ``send`` hands bytes over to it.
    """

    def __init__(self, ssh: Mapping[str, str], *, term: str, rows: int, cols: int,
                 timeout_s: float, on_data: OnData, on_close: OnClose) -> None:
        self._on_data, self._on_close = on_data, on_close
        self.closed = False
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="ssh", daemon=True)
        self._thread.start()
        self._conn: Any = None
        self._chan: Any = None
        future = asyncio.run_coroutine_threadsafe(self._open(ssh, term, rows, cols), self._loop)
        try:
            future.result(timeout=timeout_s)
        except Exception as exc:
            self.close()
            where = f"{ssh.get('host')}:{ssh.get('port', '22')}"
            raise SystemUnavailable(f"cannot open SSH to {where}: "
                                    f"{type(exc).__name__} {exc}".rstrip()) from exc

    async def _open(self, ssh: Mapping[str, str], term: str, rows: int, cols: int) -> None:
        import asyncssh  # noqa: PLC0415 - the terminal extra; checked before we get here

        transport = self

        class Session(asyncssh.SSHClientSession[bytes]):
            def data_received(self, data: bytes, datatype: int | None) -> None:
                transport._on_data(data)

            def connection_lost(self, exc: Exception | None) -> None:
                transport._lost()

        options: dict[str, Any] = {"port": int(ssh.get("port", "22")),
                                   "username": ssh.get("user") or None,
                                   "known_hosts": ssh.get("known_hosts") or (),
                                   "agent_path": None}
        if ssh.get("password"):
            options |= {"password": ssh["password"], "client_keys": None}
        self._conn = await asyncssh.connect(ssh["host"], **options)
        self._chan, _ = await self._conn.create_session(
            Session, term_type=term, term_size=(cols, rows), encoding=None)

    def _lost(self) -> None:
        if not self.closed:
            self.closed = True
            self._on_close()

    def send(self, data: bytes) -> None:
        """Write keys to the session."""
        if self.closed or self._chan is None:
            raise SystemUnavailable("the SSH session has closed")
        self._loop.call_soon_threadsafe(self._chan.write, data)

    def close(self) -> None:
        """Close the session and the connection, then stop the loop."""
        if self._conn is not None:
            self._loop.call_soon_threadsafe(self._conn.close)
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(self._conn.wait_closed(),
                                                 self._loop).result(timeout=5)
        self.closed = True
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        if not self._thread.is_alive():
            self._loop.close()
