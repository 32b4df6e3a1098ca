#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The preconditions of a run against real peers.

precondition-wait runs the real preconditions module with a provisiond.conf
of the test's own and reports each stage and the result on stdout.

NetworkTests: real network namespaces made by the test. One with only lo
must not count as a network (GNetworkMonitor says so too); a default route
through lo or on an interface without an address must not either (there
GNetworkMonitor says "available": the module checks more); a veth pair with
an address and a default route ends the wait. They need root (ip netns); the
script exits 77 where namespaces cannot be created.

ClockTests: timedated is python3-dbusmock's `timedated` template on a
private system bus (dbus-daemon started by dbusmock). It is a mock because
the real systemd-timedated cannot run here: it needs systemd as PID 1 and
would read, not fake, this machine's clock state. The kernel source reads
this machine's real adjtimex(2) state, which a test must not change.

Usage: test_preconditions.py NetworkTests|ClockTests (meson runs both).
"""

import atexit
import ctypes
import itertools
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import dbusmock

EXIT_SKIP = 77
PRECONDITION = 'org.provisiond.Provisioning1.Error.Precondition'
TIMEDATE_INTERFACE = 'org.freedesktop.timedate1'
# An upper bound against a hanging helper, never a timing assertion.
LINE_TIMEOUT = 60.0
# The wait's own timeout in the tests that expect it to pass.
SHORT_TIMEOUT = 2
LONG_TIMEOUT = 120

NO_NETWORK = ('no network: no interface with an address and a default route after 2 s '
              '(IPv4: {ipv4}; IPv6: {ipv6})')

_names = itertools.count()
# What the test made, removed at exit too: a cleanup does not run when meson's
# timeout kills the test, and a namespace outlives its name while a process is in it.
_namespaces = set()
_processes = set()


def _remove_leftovers():
    for process in list(_processes):
        if process.poll() is None:
            process.kill()
            process.wait()
    for name in list(_namespaces):
        subprocess.run(['ip', 'netns', 'del', name], check=False, stderr=subprocess.DEVNULL)


def _terminated(signum, frame):
    _remove_leftovers()
    os._exit(1)  # a SystemExit would be caught by unittest as the running test's error


atexit.register(_remove_leftovers)
signal.signal(signal.SIGTERM, _terminated)


def unique_name(prefix):
    """A name no other test run uses: ours end with the PID and a counter (≤ 15 characters for links)."""
    return f'{prefix}{os.getpid()}x{next(_names)}'


def ip(*args):
    subprocess.run(['ip', *args], check=True, stdout=subprocess.DEVNULL)


class Waiter:
    """precondition-wait with a [Preconditions] group, read line by line."""

    def __init__(self, test, preconditions, netns=None):
        conf = tempfile.NamedTemporaryFile('w', prefix='provisiond-', suffix='.conf', delete=False)
        test.addCleanup(os.unlink, conf.name)
        with conf:
            conf.write('[Preconditions]\n' + ''.join(f'{key}={value}\n' for key, value in preconditions.items()))
        argv = [os.environ['PRECONDITION_WAIT'], conf.name]
        if netns is not None:
            argv = ['ip', 'netns', 'exec', netns] + argv
        self.test = test
        self.lines = queue.Queue()
        self.process = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
        _processes.add(self.process)
        test.addCleanup(self.stop)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(line.rstrip('\n'))
        self.lines.put(None)

    def next_line(self):
        try:
            return self.lines.get(timeout=LINE_TIMEOUT)
        except queue.Empty:
            self.test.fail(f'precondition-wait said nothing for {LINE_TIMEOUT} s')

    def expect_stage(self, stage):
        self.test.assertEqual(f'stage {stage}', self.next_line())

    def expect_end(self, line, exit_status):
        self.test.assertEqual(line, self.next_line())
        self.test.assertIsNone(self.next_line(), 'nothing after the result')
        self.test.assertEqual(exit_status, self.process.wait(timeout=LINE_TIMEOUT))

    def expect_met(self):
        self.expect_end('met', 0)

    def expect_failed(self, message):
        self.expect_end(f'failed {PRECONDITION}: {message}', 1)

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.process.stdout.close()
        _processes.discard(self.process)


class TimedatedMock:
    """python3-dbusmock's timedated template on the test's system bus."""

    def __init__(self, test, synchronized):
        # The template takes NTPSynchronized from its NTP parameter.
        self.process, self.object = test.spawn_server_template(
            'timedated', {'NTP': synchronized}, stdout=subprocess.DEVNULL, system_bus=True)
        test.addCleanup(self.stop)

    def synchronize(self):
        # SetNTP sets NTP and NTPSynchronized, each with PropertiesChanged.
        self.object.SetNTP(True, False, dbus_interface=TIMEDATE_INTERFACE)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
        self.process.wait()


class PreconditionsTestCase(dbusmock.DBusTestCase):
    @classmethod
    def setUpClass(cls):
        cls.start_system_bus()


def namespaces_unavailable():
    """Why network namespaces cannot be made here, or None."""
    if os.geteuid() != 0:
        return 'network namespaces need root (ip netns)'
    if shutil.which('ip') is None:
        return 'ip (iproute2) is not installed'
    name = unique_name('pvd-pre-probe')
    result = subprocess.run(['ip', 'netns', 'add', name], capture_output=True, text=True)
    if result.returncode != 0:
        return f'ip netns add failed: {result.stderr.strip()}'
    subprocess.run(['ip', 'netns', 'del', name], check=False)
    return None


class NetworkTests(PreconditionsTestCase):
    def make_namespace(self):
        name = unique_name('pvd-pre-')
        ip('netns', 'add', name)
        _namespaces.add(name)
        self.addCleanup(self.remove_namespace, name)
        ip('-n', name, 'link', 'set', 'lo', 'up')
        return name

    @staticmethod
    def remove_namespace(name):
        subprocess.run(['ip', 'netns', 'del', name], check=False)
        _namespaces.discard(name)

    def plug_in(self, netns, default_route=True, address=True):
        """A veth pair from @netns to a peer namespace of its own, the way a phone's port meets a switch."""
        peer_netns = self.make_namespace()
        subnet = f'10.98.{next(_names) % 250}'
        link, peer_link = unique_name('pp'), unique_name('pq')
        ip('-n', netns, 'link', 'add', link, 'type', 'veth', 'peer', 'name', peer_link, 'netns', peer_netns)
        ip('-n', peer_netns, 'addr', 'add', f'{subnet}.1/24', 'dev', peer_link)
        ip('-n', peer_netns, 'link', 'set', peer_link, 'up')
        if address:
            ip('-n', netns, 'addr', 'add', f'{subnet}.2/24', 'dev', link)
        ip('-n', netns, 'link', 'set', link, 'up')
        if default_route and address:
            ip('-n', netns, 'route', 'add', 'default', 'via', f'{subnet}.1')
        elif default_route:
            ip('-n', netns, 'route', 'add', 'default', 'dev', link)
        return link

    def wait_for_carrier(self, netns, link):
        """The kernel reports carrier a moment after both ends are up (linkwatch): setup, not a test."""
        deadline = time.monotonic() + LINE_TIMEOUT
        while time.monotonic() < deadline:
            state = json.loads(subprocess.run(['ip', '-n', netns, '-j', 'link', 'show', 'dev', link],
                                              check=True, capture_output=True, text=True).stdout)
            if state[0].get('operstate') == 'UP':
                return
            time.sleep(0.05)
        self.fail(f'{link} in {netns} got no carrier')

    def test_only_loopback_waits_for_network_then_fails_naming_it(self):
        netns = self.make_namespace()
        waiter = Waiter(self, {'Network': 'true', 'Time': 'none', 'Timeout': SHORT_TIMEOUT}, netns)
        waiter.expect_stage('waiting-for-network')
        waiter.expect_failed(NO_NETWORK.format(ipv4='no default route', ipv6='no default route'))

    def test_veth_with_address_and_default_route_ends_the_wait(self):
        netns = self.make_namespace()
        waiter = Waiter(self, {'Network': 'true', 'Time': 'none', 'Timeout': LONG_TIMEOUT}, netns)
        waiter.expect_stage('waiting-for-network')
        self.plug_in(netns)
        waiter.expect_met()

    def test_network_already_there_is_met_without_stage(self):
        netns = self.make_namespace()
        self.wait_for_carrier(netns, self.plug_in(netns))
        waiter = Waiter(self, {'Network': 'true', 'Time': 'none', 'Timeout': LONG_TIMEOUT}, netns)
        waiter.expect_met()

    def test_default_route_through_loopback_is_not_a_network(self):
        netns = self.make_namespace()
        ip('-n', netns, 'route', 'add', 'default', 'dev', 'lo')
        waiter = Waiter(self, {'Network': 'true', 'Time': 'none', 'Timeout': SHORT_TIMEOUT}, netns)
        waiter.expect_stage('waiting-for-network')
        waiter.expect_failed(NO_NETWORK.format(ipv4="the default route's interface has no usable address",
                                               ipv6='no default route'))

    def test_default_route_on_an_interface_without_address_is_not_a_network(self):
        netns = self.make_namespace()
        self.plug_in(netns, address=False)
        waiter = Waiter(self, {'Network': 'true', 'Time': 'none', 'Timeout': SHORT_TIMEOUT}, netns)
        waiter.expect_stage('waiting-for-network')
        waiter.expect_failed(NO_NETWORK.format(ipv4="the default route's interface has no usable address",
                                               ipv6='no default route'))

    def test_address_without_default_route_is_not_a_network(self):
        netns = self.make_namespace()
        self.plug_in(netns, default_route=False)
        waiter = Waiter(self, {'Network': 'true', 'Time': 'none', 'Timeout': SHORT_TIMEOUT}, netns)
        waiter.expect_stage('waiting-for-network')
        waiter.expect_failed(NO_NETWORK.format(ipv4='no default route', ipv6='no default route'))

    def test_network_first_then_time(self):
        netns = self.make_namespace()
        timedated = TimedatedMock(self, synchronized=False)
        waiter = Waiter(self, {'Network': 'true', 'Time': 'timedated', 'Timeout': LONG_TIMEOUT}, netns)
        waiter.expect_stage('waiting-for-network')
        self.plug_in(netns)
        waiter.expect_stage('waiting-for-time')
        timedated.synchronize()
        waiter.expect_met()

    def test_both_missing_names_both(self):
        netns = self.make_namespace()
        TimedatedMock(self, synchronized=False)
        waiter = Waiter(self, {'Network': 'true', 'Time': 'timedated', 'Timeout': SHORT_TIMEOUT}, netns)
        waiter.expect_stage('waiting-for-network')
        waiter.expect_failed(NO_NETWORK.format(ipv4='no default route', ipv6='no default route') +
                             '; clock not synchronized (timedated NTPSynchronized=false) after 2 s')


def kernel_clock_reason():
    """What the module should say about this machine's clock: adjtimex(2) read-only (modes 0), or None."""
    timex = ctypes.create_string_buffer(512)  # larger than struct timex, zeroed: modes 0
    result = ctypes.CDLL(None, use_errno=True).adjtimex(timex)
    # struct timex: unsigned modes (padded to a long), then offset, freq, maxerror, esterror, then int status.
    status = ctypes.c_int.from_buffer(timex, 5 * ctypes.sizeof(ctypes.c_long)).value
    if status & 0x40:  # STA_UNSYNC
        return 'kernel adjtimex: STA_UNSYNC set'
    if result == 5:  # TIME_ERROR
        return f'kernel adjtimex: TIME_ERROR, status 0x{status:x}'
    return None


class ClockTests(PreconditionsTestCase):
    def test_timedated_not_synchronized_waits_then_synchronized_ends_the_wait(self):
        timedated = TimedatedMock(self, synchronized=False)
        waiter = Waiter(self, {'Network': 'false', 'Time': 'timedated', 'Timeout': LONG_TIMEOUT})
        waiter.expect_stage('waiting-for-time')
        timedated.synchronize()
        waiter.expect_met()

    def test_timedated_synchronized_is_met_without_stage(self):
        TimedatedMock(self, synchronized=True)
        waiter = Waiter(self, {'Network': 'false', 'Time': 'timedated', 'Timeout': LONG_TIMEOUT})
        waiter.expect_met()

    def test_timedated_never_synchronized_fails_naming_the_clock(self):
        TimedatedMock(self, synchronized=False)
        waiter = Waiter(self, {'Network': 'false', 'Time': 'timedated', 'Timeout': SHORT_TIMEOUT})
        waiter.expect_stage('waiting-for-time')
        waiter.expect_failed('clock not synchronized (timedated NTPSynchronized=false) after 2 s')

    def test_timedated_missing_at_first_is_waited_for(self):
        waiter = Waiter(self, {'Network': 'false', 'Time': 'timedated', 'Timeout': LONG_TIMEOUT})
        waiter.expect_stage('waiting-for-time')  # not on the bus, not activatable
        # The mock takes its name before it exports its object (the real
        # timedated does it the other way round), so the read on its
        # appearance may fail: its PropertiesChanged ends the wait.
        timedated = TimedatedMock(self, synchronized=False)
        timedated.synchronize()
        waiter.expect_met()

    def test_kernel_source_reads_adjtimex(self):
        # This machine's real state decides the outcome; the test must not change it.
        reason = kernel_clock_reason()
        waiter = Waiter(self, {'Network': 'false', 'Time': 'kernel', 'Timeout': SHORT_TIMEOUT})
        if reason is None:
            waiter.expect_met()
        else:
            waiter.expect_stage('waiting-for-time')
            waiter.expect_failed(f'clock not synchronized ({reason}) after 2 s')

    def test_checks_off_is_met_without_stage(self):
        waiter = Waiter(self, {'Network': 'false', 'Time': 'none'})
        waiter.expect_met()


if __name__ == '__main__':
    if 'NetworkTests' in sys.argv[1:]:
        reason = namespaces_unavailable()
        if reason is not None:
            print(f'SKIP: {reason}')
            sys.exit(EXIT_SKIP)
    unittest.main(verbosity=2)
