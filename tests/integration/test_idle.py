# SPDX-License-Identifier: LGPL-2.1-or-later
"""An idle daemon sleeps: it must not spin its main loop (docs/architecture.md,
"The sd-bus GSource", names the pitfall: re-arming the bus fd in every prepare
wakes the loop forever)."""

import os
import time

import harness
from harness import DaemonTestCase, SignalRecorder, fixture_path

# One full core would be os.sysconf('SC_CLK_TCK') (100) ticks per second.
MAX_IDLE_TICKS = 2


def cpu_ticks(pid):
    """utime + stime of pid in clock ticks (/proc/PID/stat fields 14 and 15)."""
    with open(f'/proc/{pid}/stat') as f:
        stat = f.read()
    # The command name may contain spaces and parentheses: split after it.
    fields = stat[stat.rindex(')') + 2:].split()
    return int(fields[11]) + int(fields[12])


class IdleTest(DaemonTestCase):

    def setUp(self):
        self.daemon = harness.start_daemon(self)

    def assertIdleForOneSecond(self):
        time.sleep(0.2)  # let the last reply and signals settle
        before = cpu_ticks(self.daemon.pid)
        time.sleep(1.0)
        used = cpu_ticks(self.daemon.pid) - before
        self.assertLessEqual(used, MAX_IDLE_TICKS,
                             f'idle provisiond used {used} clock ticks in 1 s '
                             f'({os.sysconf("SC_CLK_TCK")} = one core)')

    def test_idle_after_start_uses_no_cpu(self):
        self.assertIdleForOneSecond()

    def test_idle_after_apply_with_a_subscriber_uses_no_cpu(self):
        recorder = SignalRecorder()
        self.addCleanup(recorder.close)
        self.daemon.apply(fixture_path('telephony-merge.xml'))
        self.daemon.status()
        recorder.sync()

        self.assertIdleForOneSecond()


if __name__ == '__main__':
    harness.main()
