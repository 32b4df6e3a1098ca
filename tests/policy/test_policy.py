#!/usr/bin/python3
"""The bus policy (policy/org.provisiond.Provisioning1.conf) decides who may call what.

A private system-type dbus-daemon loads the policy file exactly as the real
system bus would (the default context below is the minimum of Debian's
system.conf), provisiond runs on it as root, and each call is made by a child
process whose uid and groups setpriv has dropped: everyone may read, only
root and the group "provisioning" may change the settings.

Needs root (for setpriv) and the group "provisioning" (tools/test creates it);
skipped otherwise.
"""

import grp
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

from gi.repository import Gio, GLib

# The integration tests' helper modules: terminate() is the same SIGTERM-then-SIGKILL step.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'integration'))
from processes import terminate  # noqa: E402

EXIT_SKIP = 77
BUS_NAME = 'org.provisiond.Provisioning1'
OBJECT_PATH = '/org/provisiond/Provisioning1'
INTERFACE = 'org.provisiond.Provisioning1'
PROPERTIES = 'org.freedesktop.DBus.Properties'
ACCESS_DENIED = 'org.freedesktop.DBus.Error.AccessDenied'
PRIVILEGED_GROUP = 'provisioning'
UNPRIVILEGED_USER = 'nobody'
UNPRIVILEGED_GROUP = 'nogroup'
CALL_TIMEOUT_MS = 10000
STARTUP_TIMEOUT_S = 20

BUS_CONFIG = '''<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Properties"/>
    <deny send_destination="org.freedesktop.DBus"
          send_interface="org.freedesktop.DBus"
          send_member="UpdateActivationEnvironment"/>
  </policy>
  <include>{policy}</include>
</busconfig>
'''

# Run by /usr/bin/python3 -c as the dropped-privilege caller: makes one call
# (argv: address destination path interface method params [file passed as fd])
# and prints "ok" or the D-Bus error name. Passed inline so that the caller
# needs no access to the source or build tree.
CALLER = r'''
import os
import sys
from gi.repository import Gio, GLib

address, destination, path, interface, method, params = sys.argv[1:7]
fd_list = None
if len(sys.argv) > 7:
    fd_list = Gio.UnixFDList()
    with open(sys.argv[7], 'rb') as document:
        fd_list.append(document.fileno())
connection = Gio.DBusConnection.new_for_address_sync(
    address,
    Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
    Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
    None, None)
try:
    reply, _ = connection.call_with_unix_fd_list_sync(
        destination, path, interface, method,
        GLib.Variant.parse(None, params, None, None), None,
        Gio.DBusCallFlags.NONE, 10000, fd_list, None)
    print('ok')
    if os.environ.get('PRINT_REPLY'):
        print(reply.unpack()[0])
except GLib.Error as error:
    print(Gio.DBusError.get_remote_error(error) or error.message)
'''


def skip(reason):
    print(f'SKIP: {reason}')
    sys.exit(EXIT_SKIP)


def policy_path():
    return os.path.join(os.path.abspath(os.environ['PROVISIOND_SOURCE_ROOT']),
                        'policy', 'org.provisiond.Provisioning1.conf')


def privileged_gid():
    try:
        return grp.getgrnam(PRIVILEGED_GROUP).gr_gid
    except KeyError:
        return None


class Environment:
    """The temp dir, the private bus and the daemon, shared by all tests."""

    def __init__(self):
        self.tmpdir = None
        self.bus = None
        self.daemon = None
        self.address = None

    def start(self):
        self.tmpdir = tempfile.mkdtemp(prefix='provisiond-policy-')
        # The callers run as nobody: they must reach the socket and the documents.
        os.chmod(self.tmpdir, 0o755)
        self.start_bus()
        self.start_daemon()

    def start_bus(self):
        config = os.path.join(self.tmpdir, 'bus.conf')
        with open(config, 'w') as f:
            f.write(BUS_CONFIG.format(socket=os.path.join(self.tmpdir, 'bus'),
                                      policy=policy_path()))
        self.bus = subprocess.Popen(
            ['dbus-daemon', f'--config-file={config}', '--nofork', '--print-address'],
            stdout=subprocess.PIPE, text=True)
        self.address = self.bus.stdout.readline().strip()
        if not self.address:
            raise RuntimeError('dbus-daemon did not start; see its messages above')

    def start_daemon(self):
        source_root = os.environ['PROVISIOND_SOURCE_ROOT']
        # Local time about 15:00: the default schedule (at night) is hours away.
        offset = (time.gmtime().tm_hour - 15 + 36) % 24 - 12
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.address, TZ=f'TST{offset:+d}')
        # Of its own: an installed provisiond.conf must not change the results;
        # no wait for a network or a clock, no multicast PnP on the host's LAN.
        config = os.path.join(self.tmpdir, 'provisiond.conf')
        with open(config, 'w') as f:
            f.write('[Preconditions]\nNetwork=false\nTime=none\n[Multicast]\nEnabled=false\n')
        # A fake boot id that the boot marker already holds: no boot run.
        runtime_dir = os.path.join(self.tmpdir, 'run')
        boot_id = os.path.join(self.tmpdir, 'boot_id')
        os.makedirs(runtime_dir, exist_ok=True)
        for path in (boot_id, os.path.join(runtime_dir, 'boot-id')):
            with open(path, 'w') as f:
                f.write('test-policy\n')
        self.daemon = subprocess.Popen(
            [os.environ['PROVISIOND'], '--system',
             '--state-dir', os.path.join(self.tmpdir, 'state'),
             '--config', config,
             '--defaults', os.path.join(source_root, 'data', 'defaults.xml'),
             '--schemas-dir', os.path.join(source_root, 'schemas'),
             '--runtime-dir', runtime_dir, '--boot-id-file', boot_id],
            env=env)
        self.wait_for_name()

    def wait_for_name(self):
        connection = self.connect()
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.daemon.poll() is not None:
                raise RuntimeError(f'provisiond exited with {self.daemon.returncode}')
            reply = connection.call_sync(
                'org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus',
                'NameHasOwner', GLib.Variant('(s)', (BUS_NAME,)), None,
                Gio.DBusCallFlags.NONE, CALL_TIMEOUT_MS, None)
            if reply.unpack()[0]:
                return
            time.sleep(0.05)
        raise RuntimeError(f'provisiond did not own {BUS_NAME} within {STARTUP_TIMEOUT_S} s')

    def connect(self):
        return Gio.DBusConnection.new_for_address_sync(
            self.address,
            Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
            Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
            None, None)

    def write_document(self, name, content):
        path = os.path.join(self.tmpdir, name)
        with open(path, 'w') as f:
            f.write(content)
        os.chmod(path, 0o644)
        return path

    def stop(self):
        """Stops the daemon (SIGTERM), then the bus. Returns the daemon's exit
        code, None if it did not run or had to be killed."""
        daemon_status = None
        for process in (self.daemon, self.bus):
            if process is None:
                continue
            if not terminate(process):
                continue
            if process is self.daemon:
                daemon_status = process.returncode
        if self.bus is not None:
            self.bus.stdout.close()
        if self.tmpdir is not None:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
        self.daemon = self.bus = self.tmpdir = None
        return daemon_status


environment = Environment()


def setUpModule():
    try:
        environment.start()
    except BaseException:
        environment.stop()
        raise


def tearDownModule():
    # Sanitizer builds exit non-zero when they report something at exit.
    daemon_status = environment.stop()
    if daemon_status != 0:
        raise AssertionError(f'provisiond exited with {daemon_status} after SIGTERM '
                             '(None: it had to be killed)')


def stop_on_signal(signum, _frame):
    """SIGTERM (meson's timeout) or SIGINT would end the tests without
    tearDownModule: stop the bus and the daemon, and fail."""
    environment.stop()
    print(f'stopped by {signal.Signals(signum).name}', file=sys.stderr, flush=True)
    os._exit(128 + signum)


def call(method, params='()', interface=INTERFACE, destination=BUS_NAME, path=OBJECT_PATH,
         document=None, privileges=('--clear-groups',), with_reply=False):
    """Make one call as nobody (with the given setpriv group options).

    Returns "ok" or the D-Bus error name of the failure; with_reply, "ok"
    is followed by a newline and the reply's first value."""
    argv = ['setpriv', f'--reuid={UNPRIVILEGED_USER}', f'--regid={UNPRIVILEGED_GROUP}',
            *privileges, '/usr/bin/python3', '-c', CALLER,
            environment.address, destination, path, interface, method, params]
    if document is not None:
        argv.append(document)
    env = {'PATH': '/usr/bin:/bin', **({'PRINT_REPLY': '1'} if with_reply else {})}
    result = subprocess.run(argv, cwd=environment.tmpdir, env=env,
                            stdout=subprocess.PIPE, text=True, timeout=30, check=True)
    return result.stdout.strip()


def call_as_provisioning_member(method, params='()', **kwargs):
    return call(method, params, privileges=(f'--groups={privileged_gid()}',), **kwargs)


def backup_document():
    """A document that applies without error whatever the settings are: their own backup."""
    reply = environment.connect().call_sync(
        BUS_NAME, OBJECT_PATH, INTERFACE, 'Backup', GLib.Variant('(as)', ([],)),
        GLib.VariantType('(s)'), Gio.DBusCallFlags.NONE, CALL_TIMEOUT_MS, None)
    return environment.write_document('backup.xml', reply.unpack()[0])


APPLY_FILE_PARAMS = '(@h 0, @a{sv} {})'


class AnyoneMayRead(unittest.TestCase):
    def test_anyone_may_get_status(self):
        self.assertEqual(call('GetStatus'), 'ok')

    def test_anyone_may_backup(self):
        self.assertEqual(call('Backup', '(@as [],)'), 'ok')

    def test_anyone_may_list_runs(self):
        self.assertEqual(call('ListRuns'), 'ok')

    def test_anyone_may_get_property(self):
        self.assertEqual(call('Get', f'("{INTERFACE}", "State")', interface=PROPERTIES), 'ok')

    def test_anyone_may_get_all_properties(self):
        self.assertEqual(call('GetAll', f'("{INTERFACE}",)', interface=PROPERTIES), 'ok')

    def test_anyone_may_introspect(self):
        self.assertEqual(call('Introspect', interface='org.freedesktop.DBus.Introspectable'), 'ok')

    def test_anyone_may_ping(self):
        self.assertEqual(call('Ping', interface='org.freedesktop.DBus.Peer'), 'ok')

    def test_anyone_may_list_generations(self):
        self.assertEqual(call('ListGenerations'), 'ok')

    def test_anyone_may_diff_generations(self):
        # Generation 1, the factory defaults, is always kept on a fresh state directory.
        self.assertEqual(call('DiffGenerations', '(@t 1, @t 1)'), 'ok')


class OnlyPrivilegedSeePasswords(unittest.TestCase):
    """Backup is open to everyone, but the passwords in it only to who may restore it."""

    def backup_as(self, **kwargs):
        status, _, document = call('Backup', '(@as [],)', with_reply=True, **kwargs).partition('\n')
        self.assertEqual('ok', status)
        return document

    def test_backup_for_nobody_leaves_passwords_out(self):
        document = self.backup_as()
        self.assertIn('<identities', document)
        self.assertNotIn('<password', document)
        self.assertIn('passwords left out', document)

    def test_backup_for_provisioning_member_has_passwords(self):
        document = self.backup_as(privileges=(f'--groups={privileged_gid()}',))
        self.assertIn('<password', document)
        self.assertNotIn('passwords left out', document)


class OnlyPrivilegedMayChange(unittest.TestCase):
    def test_nobody_may_not_apply_file(self):
        self.assertEqual(call('ApplyFile', APPLY_FILE_PARAMS, document=backup_document()),
                         ACCESS_DENIED)

    def test_provisioning_group_may_apply_file(self):
        self.assertEqual(call_as_provisioning_member('ApplyFile', APPLY_FILE_PARAMS,
                                                     document=backup_document()),
                         'ok')

    def test_root_may_apply_file(self):
        with open(backup_document(), 'rb') as document:
            fd_list = Gio.UnixFDList()
            fd_list.append(document.fileno())
            environment.connect().call_with_unix_fd_list_sync(
                BUS_NAME, OBJECT_PATH, INTERFACE, 'ApplyFile',
                GLib.Variant.parse(None, APPLY_FILE_PARAMS, None, None), None,
                Gio.DBusCallFlags.NONE, CALL_TIMEOUT_MS, fd_list, None)

    # The run fails at once (ftp is not fetched): what counts is that the call got through.
    START_PARAMS = '({"url": <"ftp://127.0.0.1/never.xml">},)'

    def test_nobody_may_not_start_provisioning(self):
        self.assertEqual(call('StartProvisioning', self.START_PARAMS), ACCESS_DENIED)

    def test_provisioning_group_may_start_provisioning(self):
        self.assertEqual(call_as_provisioning_member('StartProvisioning', self.START_PARAMS), 'ok')

    def test_nobody_may_not_cancel(self):
        self.assertEqual(call('Cancel'), ACCESS_DENIED)

    def test_provisioning_group_may_cancel(self):
        # Reaching the daemon without a run gives its own error, not AccessDenied.
        self.assertEqual(call_as_provisioning_member('Cancel'), 'org.provisiond.Provisioning1.Error.NotRunning')

    # The DHCP change trigger starts a run from it: a closed port on 127.0.0.1 fails it at once.
    DHCP_PARAMS = '("eth0", @a{ys} {66: "http://127.0.0.1:9/prov"})'

    def test_nobody_may_not_set_dhcp_options(self):
        self.assertEqual(call('SetDhcpOptions', self.DHCP_PARAMS), ACCESS_DENIED)

    def test_provisioning_group_may_set_dhcp_options(self):
        self.assertEqual(call_as_provisioning_member('SetDhcpOptions', self.DHCP_PARAMS), 'ok')

    # The factory allowlist is empty: a call that gets through is refused by the daemon itself.
    CHECK_SYNC_PARAMS = '({"sender": <"192.0.2.1">, "event": <"check-sync">},)'
    NOT_ALLOWED = 'org.provisiond.Provisioning1.Error.NotAllowed'

    def test_nobody_may_not_check_sync(self):
        self.assertEqual(call('CheckSync', self.CHECK_SYNC_PARAMS), ACCESS_DENIED)

    def test_provisioning_group_may_check_sync(self):
        # The SIP stack runs in the group provisioning (docs/sip-integration.md).
        self.assertEqual(call_as_provisioning_member('CheckSync', self.CHECK_SYNC_PARAMS), self.NOT_ALLOWED)

    # Discover sends multicast SUBSCRIBEs and waits: not for everyone. (Multicast is off in this
    # daemon's configuration, so the reply comes at once.)
    DISCOVER_PARAMS = '(@a{sv} {},)'

    def test_nobody_may_not_discover(self):
        self.assertEqual(call('Discover', self.DISCOVER_PARAMS), ACCESS_DENIED)

    def test_provisioning_group_may_discover(self):
        self.assertEqual(call_as_provisioning_member('Discover', self.DISCOVER_PARAMS), 'ok')

    ROLLBACK_PARAMS = '(@t 1, @a{sv} {})'

    def test_nobody_may_not_rollback(self):
        self.assertEqual(call('Rollback', self.ROLLBACK_PARAMS), ACCESS_DENIED)

    def test_provisioning_group_may_rollback(self):
        # Reaching the daemon with a generation it does not keep gives its own error.
        self.assertEqual(call_as_provisioning_member('Rollback', '(@t 999, @a{sv} {})'),
                         'org.provisiond.Provisioning1.Error.UnknownGeneration')

    def test_nobody_may_not_set_property(self):
        self.assertEqual(call('Set', f'("{INTERFACE}", "State", <"applying">)', interface=PROPERTIES),
                         ACCESS_DENIED)

    def test_provisioning_group_may_not_set_property(self):
        self.assertEqual(call_as_provisioning_member(
            'Set', f'("{INTERFACE}", "State", <"applying">)', interface=PROPERTIES),
            ACCESS_DENIED)

    def test_nobody_may_not_call_unlisted_method(self):
        self.assertEqual(call('NoSuchMethod'), ACCESS_DENIED)


class OnlyServiceMayOwnName(unittest.TestCase):
    def test_nobody_may_not_own_name(self):
        self.assertEqual(call('RequestName', f'("{BUS_NAME}", @u 0)',
                              destination='org.freedesktop.DBus', path='/org/freedesktop/DBus',
                              interface='org.freedesktop.DBus'),
                         ACCESS_DENIED)


def main():
    if os.geteuid() != 0:
        skip('needs root to call as an unprivileged user with setpriv')
    if privileged_gid() is None:
        skip(f'needs the group "{PRIVILEGED_GROUP}" (tools/test creates it)')
    for tool in ('dbus-daemon', 'setpriv'):
        if shutil.which(tool) is None:
            skip(f'needs {tool}')
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop_on_signal)
    unittest.main(verbosity=2)


if __name__ == '__main__':
    main()
