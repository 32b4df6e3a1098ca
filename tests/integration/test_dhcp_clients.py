# SPDX-License-Identifier: LGPL-2.1-or-later
"""The shipped DHCP hooks with real DHCP clients and a real DHCP server.

Two network namespaces joined by a veth pair: dnsmasq serves options 66/67 or
a raw option 43 (the vendor's layout) in one; in the other ISC dhclient,
busybox udhcpc and dhcpcd each get a lease and run our hook (data/dhcp/),
which calls provisionctl dhcp on the test bus (a unix socket: reachable from
any network namespace). The test asserts what provisiond stored for the
interface (runtime dir, dhcp/<interface>) against what dnsmasq sent, and the
URL the daemon derived from it (its log).

Needs root and network namespaces; skipped (77) where they cannot be created.
"""

import glob
import os
import shutil
import tempfile
import time

import harness
from netns import VethPair, dhclient_command, dnsmasq_command, hook_env, in_namespace, run_tests
from processes import kill_all, read_log, spawn, stop

SERVER_ADDRESS = '10.99.0.1'
LEASE_TIMEOUT = 20.0  # seconds for one client to get a lease and run its hook
TFTP_SERVER = f'http://{SERVER_ADDRESS}:8080/prov'
BOOTFILE = '<HWTYP>/<MACADR>.xml'
VENDOR_URL = f'http://{SERVER_ADDRESS}:8080/prov/{{mac}}.xml'
# The vendor's layout: sub-option 0x42, the length counts a trailing NUL.
VENDOR_43 = bytes([0x42, len(VENDOR_URL) + 1]) + VENDOR_URL.encode() + b'\0'

SUFFIX = str(os.getpid())
SERVER_NS = f'pvd-dhcp-s-{SUFFIX}'
CLIENT_NS = f'pvd-dhcp-c-{SUFFIX}'
SERVER_VETH = f'pvs{SUFFIX}'
CLIENT_VETH = f'pvc{SUFFIX}'
NETWORK = VethPair(SERVER_NS, CLIENT_NS, SERVER_VETH, CLIENT_VETH, SERVER_ADDRESS)


def hook_path(name):
    return os.path.join(os.environ['PROVISIOND_BUILD_ROOT'], 'data', 'dhcp', name)


def remove_network():
    NETWORK.remove()
    # dhcpcd keeps its leases in a directory fixed at build time.
    for lease in glob.glob(f'/var/lib/dhcpcd/{CLIENT_VETH}*.lease'):
        os.unlink(lease)


# The work dirs, for stop_on_signal.
_work_dirs = set()


class Dnsmasq:
    """dnsmasq in the server namespace with the given dhcp-option-force lines."""

    def __init__(self, work_dir, option_lines):
        self.work_dir = work_dir
        self.option_lines = option_lines
        self.process = None
        self.log_path = os.path.join(work_dir, 'dnsmasq.log')

    def start(self):
        self.process = spawn(dnsmasq_command(
            self.work_dir, NETWORK, '10.99.0.50,10.99.0.150,255.255.255.0,1h',
            ['log-dhcp', *self.option_lines], extra_args=[f'--log-facility={self.log_path}']))

    def log(self):
        return read_log(self.log_path)

    def stop(self):
        stop(self.process)


class DhcpClientsTest(harness.DaemonTestCase):

    @classmethod
    def setUpClass(cls):
        try:
            NETWORK.create()
        except BaseException:
            remove_network()
            raise

    @classmethod
    def tearDownClass(cls):
        remove_network()

    def setUp(self):
        self.work_dir = tempfile.mkdtemp(prefix='provisiond-dhcp-clients-')
        _work_dirs.add(self.work_dir)
        self.addCleanup(shutil.rmtree, self.work_dir, ignore_errors=True)
        # Inactive: storing options must not start runs (the DHCP change trigger) to their made-up hosts.
        self.defaults_dir = tempfile.mkdtemp(prefix='provisiond-dhcp-defaults-')
        self.addCleanup(shutil.rmtree, self.defaults_dir, ignore_errors=True)
        self.daemon = harness.start_daemon(
            self, defaults=harness.defaults_with_provisioning(self.defaults_dir, active='false'))
        self.client_env = hook_env()

    # -- servers and clients --

    def serve(self, option_lines):
        dnsmasq = Dnsmasq(self.work_dir, option_lines)
        self.addCleanup(dnsmasq.stop)
        dnsmasq.start()
        return dnsmasq

    def sourcing_wrapper(self, hook):
        """A client script that only sources our hook (the real client scripts
        would also configure the host's resolv.conf)."""
        path = os.path.join(self.work_dir, f'run-{hook}')
        with open(path, 'w') as f:
            f.write(f'#!/bin/sh\n. {hook_path(hook)}\n')
        os.chmod(path, 0o755)
        return path

    def dhclient(self):
        return dhclient_command(self.work_dir, NETWORK, self.sourcing_wrapper('dhclient-exit-hook'),
                                self.client_env)

    def udhcpc(self):
        # The shipped script is the udhcpc script itself; no system script chained.
        self.client_env['PROVISIOND_UDHCPC_CHAIN'] = ''
        return in_namespace(CLIENT_NS, [
            'udhcpc', '-f', '-q', '-n', '-t', '10', '-T', '1', '-i', CLIENT_VETH,
            '-O', '66', '-O', '67', '-O', '43', '-s', hook_path('udhcpc-script')])

    def dhcpcd(self):
        config = os.path.join(self.work_dir, 'dhcpcd.conf')
        with open(config, 'w') as f:
            f.write('define 66 string tftp_server_name\n'
                    'option tftp_server_name, bootfile_name, vendor_encapsulated_options\n'
                    'noarp\nnoipv4ll\nipv4only\npersistent\n'
                    f'script {self.sourcing_wrapper("dhcpcd-hook")}\n'
                    + ''.join(f'env {name}={value}\n' for name, value in self.client_env.items()))
        return in_namespace(CLIENT_NS, [
            'dhcpcd', '-f', config, '-B', '-4', '-t', '15', CLIENT_VETH])

    def run_client(self, argv, dnsmasq, expected):
        """Runs the client until the daemon has stored expected (code -> value)
        for the interface; returns the stored options."""
        log_path = os.path.join(self.work_dir, 'client.log')
        with open(log_path, 'w') as log:
            client = spawn(argv, stdout=log, stderr=log, env=self.client_env)
        try:
            stored = self.wait_for_lease(expected)
        finally:
            stop(client)
        if stored != expected:
            self.fail(f'stored {stored!r}, expected {expected!r}\n--- client ---\n{read_log(log_path)}'
                      f'\n--- dnsmasq ---\n{dnsmasq.log()}\n{self.daemon.log_tail()}')
        return stored

    def wait_for_lease(self, expected):
        deadline = time.monotonic() + LEASE_TIMEOUT
        stored = None
        while time.monotonic() < deadline:
            stored = self.stored_options()
            if stored == expected:
                break
            time.sleep(0.1)
        return stored

    def stored_options(self):
        """code -> value of the lease file, as the client spelled it."""
        return harness.stored_dhcp_options(self.daemon, CLIENT_VETH)

    def assertDerived(self, text):
        self.assertIn(f'DHCP {CLIENT_VETH}: {text}', self.daemon.log_text())

    # -- option 66 + 67 --

    PLAIN_OPTIONS = [f'dhcp-option-force=66,"{TFTP_SERVER}"', f'dhcp-option-force=67,"{BOOTFILE}"']

    def test_dhclient_66_67(self):
        dnsmasq = self.serve(self.PLAIN_OPTIONS)
        self.run_client(self.dhclient(), dnsmasq, {66: TFTP_SERVER, 67: BOOTFILE})
        self.assertDerived(f'provisioning URL {TFTP_SERVER}/{BOOTFILE}')

    def test_dhcpcd_66_67(self):
        dnsmasq = self.serve(self.PLAIN_OPTIONS)
        self.run_client(self.dhcpcd(), dnsmasq, {66: TFTP_SERVER, 67: BOOTFILE})
        self.assertDerived(f'provisioning URL {TFTP_SERVER}/{BOOTFILE}')

    def test_udhcpc_66_67_refuses_url_in_66(self):
        # busybox udhcpc passes "bad" for a 66 that is not a host name (DOMAIN.md).
        dnsmasq = self.serve(self.PLAIN_OPTIONS)
        self.run_client(self.udhcpc(), dnsmasq, {66: 'bad', 67: BOOTFILE})
        self.assertDerived(f"no provisioning URL (bad-url): option 67 '{BOOTFILE}' has no scheme and there is no option 66")

    # -- option 43, the vendor's layout --

    VENDOR_OPTIONS = ['dhcp-option-force=43,' + ':'.join(f'{byte:02x}' for byte in VENDOR_43)]

    def test_dhclient_43_vendor_layout(self):
        # Every byte printable but the trailing NUL: dhclient passes the bytes
        # as text and drops the NUL (0x42 = 'B', the length 0x25 = '%').
        self.assertEqual(b'B%' + VENDOR_URL.encode() + b'\0', VENDOR_43)
        dnsmasq = self.serve(self.VENDOR_OPTIONS)
        self.run_client(self.dhclient(), dnsmasq, {43: 'B%' + VENDOR_URL})
        self.assertDerived(f'provisioning URL {VENDOR_URL}')

    def test_dhcpcd_43_vendor_layout(self):
        dnsmasq = self.serve(self.VENDOR_OPTIONS)
        self.run_client(self.dhcpcd(), dnsmasq, {43: VENDOR_43.hex()})
        self.assertDerived(f'provisioning URL {VENDOR_URL}')

    def test_udhcpc_43_vendor_layout(self):
        dnsmasq = self.serve(self.VENDOR_OPTIONS)
        self.run_client(self.udhcpc(), dnsmasq, {43: VENDOR_43.hex()})
        self.assertDerived(f'provisioning URL {VENDOR_URL}')

    # -- option 43 with a non-printable length: dhclient's unpadded colon hex --

    SHORT_URL = 'http://10.99.0.1/p'  # 18 bytes + NUL = 0x13
    SHORT_43 = bytes([0x42, len(SHORT_URL) + 1]) + SHORT_URL.encode() + b'\0'

    def test_dhclient_43_unpadded_colon_hex(self):
        dnsmasq = self.serve(['dhcp-option-force=43,' + ':'.join(f'{byte:02x}' for byte in self.SHORT_43)])
        self.run_client(self.dhclient(), dnsmasq, {43: ':'.join(f'{byte:x}' for byte in self.SHORT_43)})
        self.assertDerived(f'provisioning URL {self.SHORT_URL}')


def stop_on_signal(signum, frame):
    """meson's timeout or ^C: stop the servers and clients and remove the
    namespaces too, then what harness removes."""
    kill_all()
    remove_network()
    for work_dir in _work_dirs:
        shutil.rmtree(work_dir, ignore_errors=True)
    harness._stop_on_signal(signum, frame)


def main():
    run_tests(f'pvd-dhcp-probe-{SUFFIX}', ('ip', 'dnsmasq', 'dhclient', 'udhcpc', 'dhcpcd'), stop_on_signal)


if __name__ == '__main__':
    main()
