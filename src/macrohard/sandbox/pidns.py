"""The job's pid namespace seen from the host: find its pid 1, kill it, wait until it is gone."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import time
from pathlib import Path


class SandboxInit:
    """Pid 1 of the job's pid namespace (the command itself, with `--as-pid-1`).

    bwrap writes its host pid to the info fd. Killing it kills the whole namespace; killing it
    before bwrap lets bwrap reap it (no zombie is left to the host's init). The pid is trusted only
    while it is pid 1 of a namespace, and signalled through a pidfd taken before that check.
    """

    def __init__(self, info_fd: int) -> None:
        self.fd = info_fd
        self._pid: int | None = None

    def pid(self) -> int | None:
        if self._pid is None:
            with contextlib.suppress(OSError):
                found = re.search(rb'"child-pid"\s*:\s*(\d+)', os.read(self.fd, 4096))
                self._pid = int(found.group(1)) if found else None
        return self._pid

    def alive(self) -> bool:
        pid = self.pid()
        try:
            status = Path(f"/proc/{pid}/status").read_text() if pid else ""
            fields = dict(line.split(":", 1) for line in status.splitlines())
            return fields["State"].split()[0] not in "ZX" and fields["NSpid"].split()[-1] == "1"
        except (OSError, ValueError, KeyError, IndexError):
            return False

    def kill(self) -> None:
        pid = self.pid()
        with contextlib.suppress(OSError):
            pidfd = os.pidfd_open(pid) if pid else -1
            try:
                if pidfd >= 0 and self.alive():  # checked after pinning the process
                    signal.pidfd_send_signal(pidfd, signal.SIGKILL)
            finally:
                if pidfd >= 0:
                    os.close(pidfd)

    def wait_gone(self, wait: float = 5.0) -> bool:
        deadline = time.monotonic() + wait
        while self.alive():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.002)
        return True
