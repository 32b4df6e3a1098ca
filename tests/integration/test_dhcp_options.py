# SPDX-License-Identifier: LGPL-2.1-or-later
"""SetDhcpOptions over the real bus: what the DHCP client hooks hand over is kept
per interface in the runtime directory (dhcp/<interface>), an empty dict forgets
it, a restart keeps it, and bad input is refused or reported without touching the
settings."""

import os
import shutil
import subprocess
import tempfile

from gi.repository import GLib

import harness
from harness import INVALID_ARGS, DaemonTestCase

DNSMASQ_43 = ('43:10:70:68:6f:6e:65:73:2f:7b:6d:61:63:7d:2e:78:6d:6c:42:1a:68:74:74:70:3a:2f:2f:31:30:'
              '2e:39:39:2e:30:2e:31:3a:38:30:38:30:2f:70:72:6f:76:ff')


def set_dhcp_options(daemon, interface, options):
    harness.call(daemon.connection, 'SetDhcpOptions', GLib.Variant('(sa{ys})', (interface, options)), None)


def lease_path(daemon, interface):
    return os.path.join(daemon.runtime_dir, 'dhcp', interface)


def read_lease(daemon, interface):
    """code -> value of the interface's lease file (GKeyFile [Options])."""
    keyfile = GLib.KeyFile.new()
    keyfile.load_from_file(lease_path(daemon, interface), GLib.KeyFileFlags.NONE)
    keys, _ = keyfile.get_keys('Options')
    return {int(key): keyfile.get_string('Options', key) for key in keys}


class SetDhcpOptionsTest(DaemonTestCase):

    def setUp(self):
        # Inactive: storing options must not start runs (the DHCP change trigger) to their made-up hosts.
        self.defaults_dir = tempfile.mkdtemp(prefix='provisiond-dhcp-defaults-')
        self.addCleanup(shutil.rmtree, self.defaults_dir, ignore_errors=True)
        self.daemon = harness.start_daemon(
            self, defaults=harness.defaults_with_provisioning(self.defaults_dir, active='false'))

    def test_options_are_stored_per_interface(self):
        set_dhcp_options(self.daemon, 'eth0', {66: 'http://10.99.0.1:8080/prov', 67: '<HWTYP>/<MACADR>.xml'})
        set_dhcp_options(self.daemon, 'eth1', {43: DNSMASQ_43})
        self.assertEqual({66: 'http://10.99.0.1:8080/prov', 67: '<HWTYP>/<MACADR>.xml'},
                         read_lease(self.daemon, 'eth0'))
        self.assertEqual({43: DNSMASQ_43}, read_lease(self.daemon, 'eth1'))
        self.assertIn('DHCP eth0: provisioning URL http://10.99.0.1:8080/prov/<HWTYP>/<MACADR>.xml',
                      self.daemon.log_text())
        self.assertIn('DHCP eth1: provisioning URL http://10.99.0.1:8080/prov/phones/{mac}.xml',
                      self.daemon.log_text())

    def test_other_option_codes_are_dropped(self):
        set_dhcp_options(self.daemon, 'eth0', {1: '255.255.255.0', 3: '10.0.0.1', 67: 'http://h/p.xml'})
        self.assertEqual({67: 'http://h/p.xml'}, read_lease(self.daemon, 'eth0'))

    def test_new_options_replace_the_old_ones(self):
        set_dhcp_options(self.daemon, 'eth0', {66: 'http://a', 67: 'a.xml'})
        set_dhcp_options(self.daemon, 'eth0', {43: '42:8:68:74:74:70:3a:2f:2f:62'})
        self.assertEqual({43: '42:8:68:74:74:70:3a:2f:2f:62'}, read_lease(self.daemon, 'eth0'))

    def test_empty_dict_forgets_the_interface(self):
        set_dhcp_options(self.daemon, 'eth0', {66: 'http://a'})
        set_dhcp_options(self.daemon, 'eth0', {})
        self.assertFalse(os.path.exists(lease_path(self.daemon, 'eth0')))
        self.assertIn('DHCP eth0: options forgotten', self.daemon.log_text())

    def test_restart_keeps_the_options(self):
        set_dhcp_options(self.daemon, 'eth0', {66: 'http://a', 67: 'b.xml'})
        self.daemon.restart()
        self.assertIn('DHCP eth0: provisioning URL http://a/b.xml (kept from before the restart)',
                      self.daemon.log_text())
        self.assertEqual({66: 'http://a', 67: 'b.xml'}, read_lease(self.daemon, 'eth0'))

    def test_bad_interface_name_is_invalid_args(self):
        for name in ('', '..', '../../etc/x', 'a/b', 'sixteen-bytes-xx', 'eth0:1'):
            with self.subTest(name=name):
                with self.assertDBusError(INVALID_ARGS) as caught:
                    set_dhcp_options(self.daemon, name, {66: 'http://a'})
                self.assertIn('not an interface name', caught['message'])
        self.assertFalse(os.path.exists(os.path.join(self.daemon.runtime_dir, 'dhcp')))

    def test_overlong_value_is_invalid_args(self):
        with self.assertDBusError(INVALID_ARGS) as caught:
            set_dhcp_options(self.daemon, 'eth0', {43: '42:' * 2000})
        self.assertIn('option 43 is longer than 4096 bytes', caught['message'])
        self.assertFalse(os.path.exists(lease_path(self.daemon, 'eth0')))

    def test_garbage_option43_is_stored_and_reported_settings_untouched(self):
        before = self.daemon.state_snapshot()
        for garbage in ('42:0c:68:74', '420', '42:03:61:0a:62', 'zz', '\u00e9' * 10):
            set_dhcp_options(self.daemon, 'eth0', {43: garbage, 66: 'http://plain'})
            self.assertEqual({43: garbage, 66: 'http://plain'}, read_lease(self.daemon, 'eth0'))
        log = self.daemon.log_text()
        self.assertIn('DHCP eth0: no provisioning URL (overrun): option 43: sub-option 0x42 at byte 0 claims 12 bytes', log)
        self.assertIn('DHCP eth0: no provisioning URL (bad-hex): option 43: an odd number of hex digits', log)
        self.assertIn('DHCP eth0: no provisioning URL (not-text): option 43: sub-option 0x42 holds bytes that are not text', log)
        self.assertEqual(before, self.daemon.state_snapshot())
        self.assertEqual('idle', self.daemon.status()['State'])


def provisionctl(*args):
    return subprocess.run([harness.provisionctl_binary(), *args], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=harness.CALL_TIMEOUT)


class ProvisionctlDhcpTest(DaemonTestCase):
    """provisionctl dhcp, as the shipped hooks call it."""

    def setUp(self):
        # Inactive: storing options must not start runs (the DHCP change trigger) to their made-up hosts.
        self.defaults_dir = tempfile.mkdtemp(prefix='provisiond-dhcp-defaults-')
        self.addCleanup(shutil.rmtree, self.defaults_dir, ignore_errors=True)
        self.daemon = harness.start_daemon(
            self, defaults=harness.defaults_with_provisioning(self.defaults_dir, active='false'))

    def test_options_reach_the_daemon(self):
        result = provisionctl('dhcp', '--interface', 'eth0', '--option', '66=http://h/prov',
                              '--option', '67=<MACADR>.xml', '--option', f'43={DNSMASQ_43}')
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertEqual({66: 'http://h/prov', 67: '<MACADR>.xml', 43: DNSMASQ_43},
                         read_lease(self.daemon, 'eth0'))

    def test_empty_values_left_out_and_none_forgets(self):
        provisionctl('dhcp', '--interface', 'eth0', '--option', '66=http://h/prov')
        result = provisionctl('dhcp', '-i', 'eth0', '-o', '66=', '-o', '67=', '-o', '43=')
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertFalse(os.path.exists(lease_path(self.daemon, 'eth0')))

    def test_bad_option_argument_is_usage_error(self):
        for argument in ('66', 'x=1', '0=a', '255=a', '=a'):
            with self.subTest(argument=argument):
                result = provisionctl('dhcp', '--interface', 'eth0', '--option', argument)
                self.assertEqual(2, result.returncode)
                self.assertIn('--option needs CODE=VALUE', result.stderr)

    def test_missing_interface_is_usage_error(self):
        result = provisionctl('dhcp', '--option', '66=http://h')
        self.assertEqual(2, result.returncode)
        self.assertIn('--interface is required', result.stderr)

    def test_bad_interface_is_refused_by_the_daemon(self):
        result = provisionctl('dhcp', '--interface', '../etc', '--option', '66=http://h')
        self.assertEqual(1, result.returncode)
        self.assertIn('InvalidArgs', result.stderr)
        self.assertIn('not an interface name', result.stderr)


if __name__ == '__main__':
    harness.main()
