# SPDX-License-Identifier: LGPL-2.1-or-later
"""Network namespaces of a test's own, and the DHCP peers in them.

Two namespaces joined by a veth pair (the names carry the test's PID, so that parallel runs
do not meet): a server side with a fixed address, where dnsmasq runs, and a client side,
where a DHCP client runs our shipped hook. The bus is a unix socket, reachable from every
namespace. Needs root; require_namespaces() skips (77) where namespaces cannot be made.
"""

import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import unittest

import harness

EXIT_SKIP = 77
TOOL_PATH = '/usr/sbin:/usr/bin:/sbin:/bin'


def skip(reason):
    print(f'SKIP: {reason}')
    sys.exit(EXIT_SKIP)


def ip(*args, check=True):
    return subprocess.run(['ip', *args], check=check, capture_output=True, text=True, timeout=30)


def in_namespace(namespace, argv):
    return ['ip', 'netns', 'exec', namespace, *argv]


def require_namespaces(probe, tools):
    """Skips the test module unless it runs as root, finds tools and can add a namespace
    (named probe, removed again)."""
    if os.geteuid() != 0:
        skip('needs root to create network namespaces')
    for tool in tools:
        if shutil.which(tool, path=TOOL_PATH) is None:
            skip(f'needs {tool}')
    if ip('netns', 'add', probe, check=False).returncode != 0:
        skip('cannot create network namespaces here')
    ip('netns', 'delete', probe, check=False)


class VethPair:
    """server_ns and client_ns joined by server_veth ~ client_veth; the server end has
    server_address/24. remove() is safe to call at any point."""

    def __init__(self, server_ns, client_ns, server_veth, client_veth, server_address):
        self.server_ns = server_ns
        self.client_ns = client_ns
        self.server_veth = server_veth
        self.client_veth = client_veth
        self.server_address = server_address

    def create(self):
        ip('netns', 'add', self.server_ns)
        ip('netns', 'add', self.client_ns)
        ip('link', 'add', self.server_veth, 'type', 'veth', 'peer', 'name', self.client_veth)
        ip('link', 'set', self.server_veth, 'netns', self.server_ns)
        ip('link', 'set', self.client_veth, 'netns', self.client_ns)
        ip('-n', self.server_ns, 'addr', 'add', f'{self.server_address}/24', 'dev', self.server_veth)
        for namespace, link in ((self.server_ns, self.server_veth), (self.client_ns, self.client_veth),
                                (self.server_ns, 'lo'), (self.client_ns, 'lo')):
            ip('-n', namespace, 'link', 'set', link, 'up')

    def remove(self):
        """Kills what still runs in the namespaces and deletes them (deleting a namespace
        deletes the veth end in it, and so the pair)."""
        for namespace in (self.server_ns, self.client_ns):
            for pid in ip('netns', 'pids', namespace, check=False).stdout.split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            ip('netns', 'delete', namespace, check=False)


CLONE_NEWNET = 0x40000000  # <sched.h>


@contextlib.contextmanager
def sockets_in(namespace):
    """Within the block, sockets this thread makes belong to namespace (made with ip netns add),
    e.g. a httpd.TestServer on 127.0.0.1 that a daemon in that namespace reaches; they stay there
    after the block. setns(2) moves only the calling thread; the block puts it back."""
    libc = ctypes.CDLL(None, use_errno=True)
    home = os.open('/proc/thread-self/ns/net', os.O_RDONLY)
    target = os.open(f'/run/netns/{namespace}', os.O_RDONLY)
    try:
        if libc.setns(target, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f'setns into {namespace}')
        try:
            yield
        finally:
            if libc.setns(home, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), 'setns back')
    finally:
        os.close(target)
        os.close(home)


def hook_env():
    """The environment our DHCP hooks need to reach the daemon on the test bus."""
    return {
        'PATH': TOOL_PATH,
        'DBUS_SYSTEM_BUS_ADDRESS': os.environ['DBUS_SYSTEM_BUS_ADDRESS'],
        'PROVISIONCTL': harness.provisionctl_binary(),
    }


def dnsmasq_command(work_dir, pair, dhcp_range, lines, extra_args=()):
    """The command line of dnsmasq serving DHCP (no DNS) on the server end of pair, with
    its configuration (the common part, then lines) written to work_dir."""
    config = os.path.join(work_dir, 'dnsmasq.conf')
    with open(config, 'w') as f:
        f.write('\n'.join([
            'port=0',
            f'interface={pair.server_veth}',
            'bind-interfaces',
            f'dhcp-range={dhcp_range}',
            f'dhcp-leasefile={os.path.join(work_dir, "dnsmasq.leases")}',
            'dhcp-authoritative',
            'user=root',
            *lines,
        ]) + '\n')
    return in_namespace(pair.server_ns, [
        'dnsmasq', f'--conf-file={config}', '--no-daemon',
        f'--pid-file={os.path.join(work_dir, "dnsmasq.pid")}', *extra_args])


def dhclient_command(work_dir, pair, script, env):
    """The command line of ISC dhclient (one lease, in the foreground) on the client end of
    pair, asking for options 66, 67 and 43 and running script with env (dhclient gives its
    script only the variables of -e, not its own environment)."""
    config = os.path.join(work_dir, 'dhclient.conf')
    with open(config, 'w') as f:
        f.write('initial-delay 0;\n'
                'request subnet-mask, routers, tftp-server-name, bootfile-name, '
                'vendor-encapsulated-options;\n')
    env_args = [arg for name, value in env.items() for arg in ('-e', f'{name}={value}')]
    return in_namespace(pair.client_ns, [
        'dhclient', '-4', '-d', '-1', '-cf', config, '-sf', script,
        '-lf', os.path.join(work_dir, 'dhclient.leases'),
        '-pf', os.path.join(work_dir, 'dhclient.pid'),
        *env_args, pair.client_veth])


def start_wrapped_daemon(test, wrap, config, defaults=None):
    """Starts provisiond with config (and defaults), its command line passed through wrap (e.g. into a
    namespace); sets test.daemon and test.recorder, both closed in the test's cleanup."""
    daemon = harness.Daemon(config=config, defaults=defaults)
    daemon.command = lambda original=daemon.command: wrap(original())
    test.addCleanup(daemon.close)
    daemon.start()
    test.daemon = daemon
    test.recorder = harness.SignalRecorder()
    test.addCleanup(test.recorder.close)
    return daemon


def run_tests(probe, tools, stop_on_signal):
    """A namespace test module's main: require_namespaces(probe, tools), stop_on_signal for
    SIGTERM (meson's timeout) and SIGINT, then the module's tests."""
    require_namespaces(probe, tools)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop_on_signal)
    unittest.main(module='__main__', verbosity=2)
