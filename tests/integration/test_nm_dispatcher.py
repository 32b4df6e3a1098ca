# SPDX-License-Identifier: LGPL-2.1-or-later
"""The NetworkManager dispatcher hook (data/dhcp/nm-dispatcher.in, installed as
NetworkManager/dispatcher.d/90-provisiond) run the way NetworkManager's
dispatcher runs it, against provisiond on the test bus.

NetworkManager itself is not run: it needs the system bus, polkit and systemd of
the host and takes over the host's network devices, which a test must not do
(and its dispatcher is D-Bus activated by NetworkManager only). The test calls
the hook as the dispatcher does instead, following its documented contract
(NetworkManager-dispatcher(8)) and its source (src/nm-dispatcher/
nm-dispatcher-utils.c, nm_dispatcher_utils_construct_envp()):

- the script is executed directly (it must be an executable file), with two
  arguments: the interface (DEVICE_IP_IFACE for device actions, "none" for
  hostname, empty for connectivity-change and dns-change) and the action;
- its environment is built from scratch: PATH (the dispatcher's own),
  NM_DISPATCHER_ACTION, CONNECTION_*, DEVICE_IFACE, DEVICE_IP_IFACE, IP4_*, and
  DHCP4_<OPTION NAME IN UPPER CASE> for every DHCPv4 option of the lease, only
  while the device is activated (so not for down);
- which options a lease has depends on NetworkManager's DHCP client
  (src/core/dhcp/nm-dhcp-nettools.c, nm-dhcp-options.c): the internal client
  (the default) exports option 67 as DHCP4_BOOTFILE_NAME but neither 66 nor 43;
  with dhcp=dhclient, dhclient's options come through under its names
  (DHCP4_TFTP_SERVER_NAME, DHCP4_BOOTFILE_NAME, DHCP4_VENDOR_ENCAPSULATED_OPTIONS)
  as dhclient spells them.

The two variables the dispatcher would not set are the test bus's address
(DBUS_SYSTEM_BUS_ADDRESS; on a phone provisionctl uses the system bus) and
PROVISIONCTL (the built provisionctl instead of BINDIR's). The test asserts what
provisiond stored for the interface (runtime dir, dhcp/<interface>), what
Discover() finds over the bus, and the URL the daemon derived (its log).
"""

import os
import shutil
import stat
import subprocess
import tempfile

import harness
from gi.repository import GLib

HOOK_TIMEOUT = 60.0  # seconds: an upper bound against a hang, never a timing assertion
# What systemd gives NetworkManager-dispatcher.service, and the dispatcher its scripts.
DISPATCHER_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
INTERFACE = 'enp0s31f6'
URL_67 = 'http://10.99.0.1:8080/prov/{mac}.xml'
TFTP_SERVER = 'http://10.99.0.1:8080/prov'
BOOTFILE = '<HWTYP>/<MACADR>.xml'
VENDOR_URL = 'http://10.99.0.1:8080/prov/{mac}.xml'
# The vendor's layout (sub-option 0x42, the length counts a trailing NUL) as dhclient passes
# it: every byte printable but the NUL, so as text, the NUL dropped (0x25 = '%').
VENDOR_43_DHCLIENT = 'B%' + VENDOR_URL


def hook_path():
    """The hook as configured for installation (BINDIR filled in)."""
    return os.path.join(os.environ['PROVISIOND_BUILD_ROOT'], 'data', 'dhcp', 'nm-dispatcher')


def connection_env(action, interface, dhcp4):
    """The environment the dispatcher builds for a device action on an activated device
    (dhcp4: option name -> value, as NetworkManager has them; None: not activated, so no
    device items at all, as for down)."""
    env = {
        'PATH': DISPATCHER_PATH,
        'NM_DISPATCHER_ACTION': action,
        'CONNECTION_UUID': '3fd2a33a-d81b-423f-ae99-e6baba742311',
        'CONNECTION_ID': 'Wired connection 1',
        'CONNECTION_DBUS_PATH': '/org/freedesktop/NetworkManager/Settings/1',
        'CONNECTION_FILENAME': '/run/NetworkManager/system-connections/Wired connection 1.nmconnection',
        'DEVICE_IFACE': interface,
        'DEVICE_IP_IFACE': interface,
    }
    if dhcp4 is not None:
        env.update({
            'IP4_ADDRESS_0': '10.99.0.57/24 10.99.0.1',
            'IP4_NUM_ADDRESSES': '1',
            'IP4_GATEWAY': '10.99.0.1',
            'IP4_NUM_ROUTES': '0',
        })
        env.update({'DHCP4_' + name.upper(): value for name, value in dhcp4.items()})
    return env


def internal_client_lease(**options):
    """What NetworkManager's internal DHCP client exports for a lease, with options."""
    return {
        'ip_address': '10.99.0.57',
        'subnet_mask': '255.255.255.0',
        'routers': '10.99.0.1',
        'dhcp_server_identifier': '10.99.0.1',
        'dhcp_lease_time': '3600',
        'expiry': '1796040000',
        'requested_subnet_mask': '1',
        'requested_routers': '1',
        **options,
    }


class NmDispatcherTest(harness.DaemonTestCase):

    def setUp(self):
        # Inactive: storing options must not start runs (the DHCP change trigger) to made-up hosts.
        self.defaults_dir = tempfile.mkdtemp(prefix='provisiond-nm-dispatcher-')
        self.addCleanup(shutil.rmtree, self.defaults_dir, ignore_errors=True)
        self.daemon = harness.start_daemon(
            self, defaults=harness.defaults_with_provisioning(self.defaults_dir, active='false'))

    # -- the dispatcher's side --

    def dispatch(self, interface, action, env, bus=None):
        """Executes the hook as the dispatcher does: the file itself, (interface, action),
        env and nothing else but the test's bus and provisionctl."""
        env = dict(env, DBUS_SYSTEM_BUS_ADDRESS=bus or os.environ['DBUS_SYSTEM_BUS_ADDRESS'],
                   PROVISIONCTL=harness.provisionctl_binary())
        return subprocess.run([hook_path(), interface, action], env=env, cwd='/', capture_output=True,
                              text=True, timeout=HOOK_TIMEOUT)

    def device_action(self, action, dhcp4, interface=INTERFACE):
        result = self.dispatch(interface, action, connection_env(action, interface, dhcp4))
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertEqual('', result.stderr)
        return result

    # -- what provisiond has --

    def stored_options(self, interface=INTERFACE):
        """code -> value of the interface's lease file; None without one."""
        return harness.stored_dhcp_options(self.daemon, interface)

    def discover(self):
        return harness.call(self.daemon.connection, 'Discover', GLib.Variant('(a{sv})', ({},)), '(ssa{ss})')

    def assertDerived(self, text, interface=INTERFACE):
        self.assertIn(f'DHCP {interface}: {text}', self.daemon.log_text())

    # -- the tests --

    def test_the_hook_is_an_executable_file_not_writable_by_others(self):
        # The dispatcher skips scripts that are not, or are writable by group or others.
        mode = os.stat(hook_path()).st_mode
        self.assertTrue(mode & stat.S_IXUSR)
        self.assertFalse(mode & (stat.S_IWGRP | stat.S_IWOTH | stat.S_ISUID))

    def test_up_with_the_internal_client_hands_over_option_67(self):
        self.device_action('up', internal_client_lease(bootfile_name=URL_67))

        self.assertEqual({67: URL_67}, self.stored_options())
        self.assertDerived(f'provisioning URL {URL_67}')
        source, url, findings = self.discover()
        self.assertEqual(('dhcp', URL_67), (source, url))
        self.assertIn(INTERFACE, findings['dhcp'])

    def test_up_with_dhclient_hands_over_66_67_and_43(self):
        self.device_action('up', {'ip_address': '10.99.0.57', 'tftp_server_name': TFTP_SERVER,
                                  'bootfile_name': BOOTFILE, 'vendor_encapsulated_options': VENDOR_43_DHCLIENT})

        self.assertEqual({66: TFTP_SERVER, 67: BOOTFILE, 43: VENDOR_43_DHCLIENT}, self.stored_options())
        # Option 43 comes before 66 + 67 (docs/discovery.md).
        self.assertDerived(f'provisioning URL {VENDOR_URL}')

    def test_dhcp4_change_replaces_the_options(self):
        self.device_action('up', internal_client_lease(bootfile_name=URL_67))
        renewed = 'http://10.99.0.2/prov/{mac}.xml'

        self.device_action('dhcp4-change', internal_client_lease(bootfile_name=renewed))

        self.assertEqual({67: renewed}, self.stored_options())
        self.assertDerived(f'provisioning URL {renewed}')

    def test_down_forgets_the_interface(self):
        self.device_action('up', internal_client_lease(bootfile_name=URL_67))

        self.device_action('down', None)

        self.assertIsNone(self.stored_options())
        self.assertDerived('options forgotten')

    def test_up_without_provisioning_options_forgets_what_an_earlier_lease_left(self):
        # A lease without 66/67/43 (or a static address) on an interface that had them.
        self.device_action('up', internal_client_lease(bootfile_name=URL_67))
        self.device_action('down', None)
        self.device_action('up', internal_client_lease(bootfile_name=URL_67))

        self.device_action('dhcp4-change', internal_client_lease())

        self.assertIsNone(self.stored_options())

    def test_actions_without_a_lease_change_leave_the_options(self):
        self.device_action('up', internal_client_lease(bootfile_name=URL_67))
        log_before = self.daemon.log_text()

        # The interface argument as the man page gives it for each action.
        for interface, action in (('none', 'hostname'), ('', 'connectivity-change'), ('', 'dns-change'),
                                  (INTERFACE, 'reapply'), ('tun0', 'vpn-up'), ('tun0', 'vpn-down'),
                                  (INTERFACE, 'dhcp6-change')):
            env = connection_env(action, interface, internal_client_lease())
            if action in ('hostname', 'connectivity-change', 'dns-change'):
                env = {'PATH': DISPATCHER_PATH, 'NM_DISPATCHER_ACTION': action}
            result = self.dispatch(interface, action, env)
            self.assertEqual((0, ''), (result.returncode, result.stderr), action)

        self.assertEqual({67: URL_67}, self.stored_options())
        self.assertNotIn('DHCP ', self.daemon.log_text()[len(log_before):])

    def test_a_failing_call_is_logged_and_does_not_fail_the_dispatcher(self):
        missing_bus = 'unix:path=' + os.path.join(self.defaults_dir, 'no-bus')
        result = self.dispatch(INTERFACE, 'up', connection_env('up', INTERFACE, internal_client_lease(
            bootfile_name=URL_67)), bus=missing_bus)

        self.assertEqual(0, result.returncode)
        self.assertIn(f'provisiond hook: provisionctl dhcp failed for {INTERFACE}', result.stderr)
        self.assertIsNone(self.stored_options())


if __name__ == '__main__':
    harness.main()
