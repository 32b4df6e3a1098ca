# SPDX-License-Identifier: LGPL-2.1-or-later
"""Child processes of a test (servers, DHCP clients) that a signal handler can still stop.

spawn() records each process until stop() ends it, so that kill_all() (meson's timeout,
^C) leaves none behind. terminate() is the SIGTERM-then-SIGKILL step on its own, for tests
that keep their processes themselves.
"""

import subprocess

STOP_TIMEOUT = 10.0  # seconds a process gets to exit after SIGTERM; an upper bound, never a timing assertion

_live = set()


def spawn(argv, **kwargs):
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, **kwargs)
    _live.add(process)
    return process


def terminate(process):
    """SIGTERM, then SIGKILL if it has not exited within STOP_TIMEOUT. Returns True when it
    exited by itself (or already had), False when it had to be killed."""
    if process.poll() is not None:
        return True
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return False
    return True


def stop(process):
    """Ends a process spawn() started (None: nothing to do)."""
    _live.discard(process)
    if process is not None:
        terminate(process)


def kill_all():
    for process in list(_live):
        process.kill()
        process.wait()


def read_log(path):
    """The text of a log file, empty if it is not there (yet)."""
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ''
