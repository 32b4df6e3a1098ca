# SPDX-License-Identifier: LGPL-2.1-or-later
"""Shared helpers of the integration tests.

The tests run under dbus-test-runner, which starts a private dbus-daemon and
exports its address as DBUS_SYSTEM_BUS_ADDRESS. Each test starts the real
provisiond on that bus (Daemon) and talks to it with GDBus, the way a client
on the phone would. Meson passes PROVISIOND, PROVISIONCTL and
PROVISIOND_SOURCE_ROOT in the environment.
"""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import xml.etree.ElementTree as ET

import gi

gi.require_version('Gio', '2.0')
gi.require_version('GLib', '2.0')
from gi.repository import Gio, GLib  # noqa: E402

BUS_NAME = 'org.provisiond.Provisioning1'
OBJECT_PATH = '/org/provisiond/Provisioning1'
INTERFACE = 'org.provisiond.Provisioning1'
ERROR_PREFIX = 'org.provisiond.Provisioning1.Error.'
INVALID_ARGS = 'org.freedesktop.DBus.Error.InvalidArgs'

# PROVISIOND_WRAPPER: a command line the daemon runs under (e.g. valgrind), split on spaces.
DAEMON_WRAPPER = os.environ.get('PROVISIOND_WRAPPER', '').split()
# A wrapper like valgrind makes starting and stopping many times slower.
START_TIMEOUT = 60.0 if DAEMON_WRAPPER else 10.0
STOP_TIMEOUT = 60.0 if DAEMON_WRAPPER else 10.0
CALL_TIMEOUT = 30.0
SIGNAL_TIMEOUT = 5.0

# List elements matched by an attribute instead of by position (docs/architecture.md, "Merge rules").
LIST_KEY_ATTRIBUTES = ('name', 'keyNumber')


def _required_env(name):
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f'{name} is not set: run the tests through meson test')
    return value


def source_root():
    return _required_env('PROVISIOND_SOURCE_ROOT')


def source_path(*parts):
    return os.path.join(source_root(), *parts)


def defaults_with_provisioning(directory, **values):
    """data/defaults.xml with /provisioning/NAME set to each value ('true',
    'false', a URL …; None: the element left out), written into directory;
    returns its path. E.g. active='false': SetDhcpOptions then starts no run
    (the DHCP change trigger)."""
    import xml.etree.ElementTree as ElementTree
    tree = ElementTree.parse(source_path('data', 'defaults.xml'))
    provisioning = tree.getroot().find('provisioning')
    for name, value in values.items():
        if value is None:
            provisioning.remove(provisioning.find(name))
        else:
            provisioning.find(name).text = value
    path = os.path.join(directory, 'defaults-' + '-'.join(sorted(values)) + '.xml')
    tree.write(path, encoding='UTF-8', xml_declaration=True)
    return path


def fixture_path(name):
    return source_path('tests', 'data', 'patches', name)


def read_fixture(name):
    with open(fixture_path(name), 'rb') as f:
        return f.read()


def provisiond_binary():
    return _required_env('PROVISIOND')


def provisionctl_binary():
    return _required_env('PROVISIONCTL')


def current_section_versions():
    """section name -> schema version pinned by the current release
    ([Releases] Current in schemas/releases.conf)."""
    keyfile = GLib.KeyFile.new()
    keyfile.load_from_file(source_path('schemas', 'releases.conf'), GLib.KeyFileFlags.NONE)
    release = keyfile.get_string('Releases', 'Current').strip()
    keys, _ = keyfile.get_keys(release)
    return {key: keyfile.get_string(release, key).strip() for key in keys}


# ---- XML comparison --------------------------------------------------------

def parse_xml(data):
    if isinstance(data, str):
        data = data.encode('utf-8')
    return ET.fromstring(data)


def sections_of(root):
    """section name -> element, for a <configuration> document or a bare section."""
    if root.tag == 'configuration':
        return {child.tag: child for child in root}
    return {root.tag: root}


def _text(value):
    return (value or '').strip()


def canonical(element, ignore_root_attributes=(), _depth=0):
    """An indented dump of element that ignores whitespace-only text and
    attribute order; equal dumps mean equal trees. Diffs stay readable."""
    attributes = {key: value for key, value in element.attrib.items()
                  if not (_depth == 0 and key in ignore_root_attributes)}
    line = '  ' * _depth + element.tag
    line += ''.join(f' {key}={value!r}' for key, value in sorted(attributes.items()))
    if _text(element.text):
        line += f' = {_text(element.text)!r}'
    lines = [line]
    for child in element:
        lines.append(canonical(child, (), _depth + 1))
    return '\n'.join(lines)


def canonical_section(element):
    """Section content without the per-document attributes version and patch."""
    return canonical(element, ignore_root_attributes=('version', 'patch'))


def _child_step(child, siblings):
    same_tag = [sibling for sibling in siblings if sibling.tag == child.tag]
    for attribute in LIST_KEY_ATTRIBUTES:
        if attribute in child.attrib:
            return f'{child.tag}[@{attribute}={child.attrib[attribute]!r}]'
    if len(same_tag) > 1:
        return f'{child.tag}[{same_tag.index(child) + 1}]'
    return child.tag


def leaves(element, prefix=None, ignore_root_attributes=('version', 'patch')):
    """path -> value for every leaf text and attribute below element.
    Repeated elements are addressed by their key attribute, else by position."""
    path = element.tag if prefix is None else prefix
    result = {}
    for key, value in element.attrib.items():
        if prefix is None and key in ignore_root_attributes:
            continue
        result[f'{path}/@{key}'] = value
    children = list(element)
    if not children:
        result[path] = _text(element.text)
    for child in children:
        result.update(leaves(child, f'{path}/{_child_step(child, children)}'))
    return result


def changed_paths(before, after):
    return sorted(path for path in set(before) | set(after) if before.get(path) != after.get(path))


def configuration_document(*sections, patch_default=None):
    """A <configuration> document (bytes) holding copies of the given section elements."""
    root = ET.Element('configuration')
    if patch_default is not None:
        root.set('patchDefault', 'true' if patch_default else 'false')
    for section in sections:
        root.append(section)
    return ET.tostring(root, encoding='utf-8', xml_declaration=True)


def copy_element(element, **attributes):
    copy = ET.fromstring(ET.tostring(element))
    for key, value in attributes.items():
        copy.set(key, value)
    return copy


def expected_how(root, section):
    """'merge' or 'replace' as the patch rules decide for section of document root."""
    default = root.get('patchDefault', 'true') if root.tag == 'configuration' else 'true'
    return 'merge' if section.get('patch', default) == 'true' else 'replace'


# ---- D-Bus plumbing --------------------------------------------------------

def bus_address():
    return Gio.dbus_address_get_for_bus_sync(Gio.BusType.SYSTEM, None)


def new_connection():
    """A private connection to the test bus (not GIO's shared singleton)."""
    flags = (Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
             | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION)
    return Gio.DBusConnection.new_for_address_sync(bus_address(), flags, None, None)


def pump_until(condition, timeout, what='condition'):
    """Dispatch the default main context until condition() is true."""
    context = GLib.MainContext.default()
    deadline = time.monotonic() + timeout
    # A periodic source guarantees that the blocking iteration wakes up to
    # re-check the deadline.
    ticker = GLib.timeout_add(20, lambda: True)
    try:
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f'timed out after {timeout} s waiting for {what}')
            context.iteration(True)
    finally:
        GLib.source_remove(ticker)


def drain_main_context():
    context = GLib.MainContext.default()
    while context.pending():
        context.iteration(False)


def dbus_error(error):
    """(name, message) of a GLib.Error carrying a remote D-Bus error."""
    name = Gio.DBusError.get_remote_error(error)
    Gio.DBusError.strip_remote_error(error)
    return name, error.message


def call(connection, method, parameters, reply_type, interface=INTERFACE, fd_list=None,
         timeout=CALL_TIMEOUT):
    """Calls method asynchronously and dispatches the default main context
    meanwhile, so that signal handlers run while the daemon works.
    Returns the unpacked reply tuple; raises GLib.Error on a D-Bus error."""
    outcome = {}

    def done(conn, result, _user_data):
        try:
            outcome['reply'] = conn.call_with_unix_fd_list_finish(result)
        except GLib.Error as error:
            outcome['error'] = error

    connection.call_with_unix_fd_list(
        BUS_NAME, OBJECT_PATH, interface, method, parameters,
        GLib.VariantType.new(reply_type) if reply_type else None,
        Gio.DBusCallFlags.NONE, int(timeout * 1000), fd_list, None, done, None)
    pump_until(lambda: outcome, timeout + 5, f'the reply to {method}')
    if 'error' in outcome:
        raise outcome['error']
    reply, _out_fds = outcome['reply']
    return reply.unpack()


def bus_call(connection, method, parameters, reply_type):
    """A synchronous call to the bus daemon itself."""
    reply = connection.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus',
                                 'org.freedesktop.DBus', method, parameters,
                                 GLib.VariantType.new(reply_type), Gio.DBusCallFlags.NONE,
                                 int(CALL_TIMEOUT * 1000), None)
    return reply.unpack()


def stored_dhcp_options(daemon, interface):
    """code -> value of what SetDhcpOptions kept for @interface (RUNTIME_DIR/dhcp/INTERFACE),
    as the DHCP client spelled it; None without such a file."""
    keyfile = GLib.KeyFile.new()
    try:
        keyfile.load_from_file(os.path.join(daemon.runtime_dir, 'dhcp', interface), GLib.KeyFileFlags.NONE)
    except GLib.Error:
        return None
    keys, _ = keyfile.get_keys('Options')
    return {int(key): keyfile.get_string('Options', key) for key in keys}


def name_owner_pid(connection):
    """PID of the process owning BUS_NAME, or None when it has no owner."""
    (has_owner,) = bus_call(connection, 'NameHasOwner', GLib.Variant('(s)', (BUS_NAME,)), '(b)')
    if not has_owner:
        return None
    (pid,) = bus_call(connection, 'GetConnectionUnixProcessID',
                      GLib.Variant('(s)', (BUS_NAME,)), '(u)')
    return pid


def variant_options(options):
    """An a{sv} dict: str values become 's' variants, variants stay."""
    return {key: value if isinstance(value, GLib.Variant) else GLib.Variant('s', value)
            for key, value in (options or {}).items()}


# The fake boot id every daemon of the tests sees unless a test gives another; its
# runtime dir already holds it as the boot marker, so a start is a restart within
# the same boot and starts no boot run (tests/integration/test_triggers.py).
TEST_BOOT_ID = 'c0ffee00-0000-4000-8000-000000000001'


def far_from_schedule_tz(local_hour=15):
    """A POSIX TZ string under which the local time now is local_hour:xx: the
    default schedule (3:30 or the device slot in 0:00-5:55, plus up to an hour of
    random delay) is then hours away and fires in no test that does not ask for it."""
    offset = (time.gmtime().tm_hour - local_hour + 36) % 24 - 12
    return f'TST{offset:+d}'


# What every test daemon gets unless the test's config says otherwise: no wait
# for a network or a clock (tests run without a default route or NTP), and no
# SIP multicast PnP (it would ask the host's LAN and wait 5 s).
TEST_CONFIG = {
    'Preconditions': {'Network': 'false', 'Time': 'none'},
    'Multicast': {'Enabled': 'false'},
}


def with_test_config(config):
    """TEST_CONFIG with config's groups and keys over it."""
    merged = {group: dict(keys) for group, keys in TEST_CONFIG.items()}
    for group, keys in (config or {}).items():
        merged.setdefault(group, {}).update(keys)
    return merged


def write_config(path, config):
    """Writes {group: {key: value}} as a GKeyFile."""
    keyfile = GLib.KeyFile.new()
    for group, keys in config.items():
        for key, value in keys.items():
            keyfile.set_string(group, key, str(value))
    keyfile.save_to_file(path)


# ---- Signals ---------------------------------------------------------------

class SignalRecorder:
    """Records the daemon's signals as a second client sees them, on its own
    connection. on_signal(member, args), if given, runs in the handler.
    The daemon must be running: the constructor returns once the match rules
    are in place, so that no signal sent afterwards can be missed (and an
    assertion that none came cannot pass for want of a subscription)."""

    def __init__(self, on_signal=None):
        self.connection = new_connection()
        self.signals = []
        self.on_signal = on_signal
        self._subscriptions = [
            self.connection.signal_subscribe(BUS_NAME, interface, None, OBJECT_PATH, None,
                                             Gio.DBusSignalFlags.NONE, self._handle, None)
            for interface in (INTERFACE, 'org.freedesktop.DBus.Properties')]
        # The AddMatch calls went out first on this connection: the bus has
        # handled them when the daemon's answer comes back.
        self.sync()

    def _handle(self, _conn, _sender, _path, _interface, member, parameters, _user_data):
        args = parameters.unpack()
        self.signals.append((member, args))
        if self.on_signal is not None:
            self.on_signal(member, args)

    def named(self, member):
        return [args for name, args in self.signals if name == member]

    def clear(self):
        self.signals.clear()

    def sync(self):
        """Returns once every signal the daemon sent before now was handled:
        the daemon answers this connection's call after sending them, and the
        bus keeps their order."""
        call(self.connection, 'GetStatus', None, '(a{sv})')
        drain_main_context()

    def wait_for(self, condition, timeout=SIGNAL_TIMEOUT, what='a signal'):
        pump_until(lambda: condition(self), timeout, what)

    def of_run(self, member, run_id):
        """The arguments of the member signals of run run_id, in order."""
        return [args for args in self.named(member) if args[0] == run_id]

    def run_end(self, run_id):
        """('Finished', args) or ('Failed', args) of run run_id, or None."""
        for name, args in self.signals:
            if name in ('Finished', 'Failed') and args[0] == run_id:
                return name, args
        return None

    def wait_for_run_end(self, run_id, timeout=SIGNAL_TIMEOUT):
        """Waits for Finished or Failed of run run_id; returns (member, args)."""
        self.wait_for(lambda rec: rec.run_end(run_id) is not None, timeout,
                      f'Finished or Failed of run {run_id}')
        return self.run_end(run_id)

    def close(self):
        for subscription in self._subscriptions:
            self.connection.signal_unsubscribe(subscription)
        self.connection.close_sync(None)


# ---- The daemon under test -------------------------------------------------

# The daemons that are running, for _stop_on_signal.
_live_daemons = set()


class Daemon:
    """provisiond on the test bus with its own state directory.

    Use as a context manager, or call start() and close(). stop() insists on
    exit code 0: sanitizer builds exit non-zero when they report something."""

    def __init__(self, state_dir=None, defaults=None, schemas_dir=None, extra_args=(), config=None,
                 boot_id=TEST_BOOT_ID, new_boot=False, tz=None):
        """config: {group: {key: value}} written to a provisiond.conf in the
        work dir and passed with --config, over TEST_CONFIG (so that an
        installed provisiond.conf cannot change the results, and a run
        neither waits for preconditions nor sends a multicast SUBSCRIBE
        unless the test asks for it).
        boot_id: what the daemon reads as the kernel's boot id (--boot-id-file);
        new_boot: True leaves the runtime dir without a boot marker, so the first
        start is the first since boot (else the marker says this boot, no boot run).
        tz: the daemon's TZ (None: far_from_schedule_tz())."""
        self._owns_state_dir = state_dir is None
        self.state_dir = state_dir or tempfile.mkdtemp(prefix='provisiond-itest-state-')
        # Logs and scratch files live outside the state dir: tests compare it.
        self.work_dir = tempfile.mkdtemp(prefix='provisiond-itest-work-')
        self.defaults = defaults or source_path('data', 'defaults.xml')
        self.schemas_dir = schemas_dir or source_path('schemas')
        self.extra_args = list(extra_args)
        self.config_path = os.path.join(self.work_dir, 'provisiond.conf')
        write_config(self.config_path, with_test_config(config))
        self.boot_id_path = os.path.join(self.work_dir, 'boot_id')
        os.mkdir(self.runtime_dir, 0o700)
        self.set_boot_id(boot_id)
        if not new_boot:
            with open(os.path.join(self.runtime_dir, 'boot-id'), 'w') as f:
                f.write(boot_id + '\n')
        self.tz = tz if tz is not None else far_from_schedule_tz()
        self.process = None
        self.connection = None
        self._log = None
        self._scratch_count = 0

    # -- process --

    @property
    def settings_path(self):
        return os.path.join(self.state_dir, 'settings.xml')

    def set_boot_id(self, boot_id):
        """What the daemon reads as the boot id from its next start on (a reboot, as it sees it)."""
        with open(self.boot_id_path, 'w') as f:
            f.write(boot_id + '\n')

    @property
    def runtime_dir(self):
        """The daemon's runtime directory (DHCP options, boot marker): in the work dir."""
        return os.path.join(self.work_dir, 'run')

    @property
    def log_path(self):
        """The daemon's stderr."""
        return os.path.join(self.work_dir, 'provisiond.log')

    @property
    def stdout_path(self):
        return os.path.join(self.work_dir, 'provisiond.stdout')

    def command(self):
        return DAEMON_WRAPPER + [provisiond_binary(), '--system', '--verbose',
                '--state-dir', self.state_dir,
                '--config', self.config_path,
                '--defaults', self.defaults,
                '--schemas-dir', self.schemas_dir,
                '--runtime-dir', self.runtime_dir,
                '--boot-id-file', self.boot_id_path] + self.extra_args

    def spawn(self):
        """Starts the process without waiting for it to own the name."""
        self._log = open(self.log_path, 'ab')
        with open(self.stdout_path, 'ab') as stdout:
            self.process = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL,
                                            stdout=stdout, stderr=self._log,
                                            env=dict(os.environ, TZ=self.tz))
        _live_daemons.add(self)
        return self.process

    def start(self):
        if self.connection is None:
            self.connection = new_connection()
        self.spawn()
        deadline = time.monotonic() + START_TIMEOUT
        while name_owner_pid(self.connection) != self.process.pid:
            problem = None
            if self.process.poll() is not None:
                problem = f'exited with {self.process.returncode} before owning {BUS_NAME}'
            elif time.monotonic() > deadline:
                problem = f'did not own {BUS_NAME} within {START_TIMEOUT} s'
            if problem is not None:
                self._reap(self.process, timeout=0)
                self.process = None
                raise AssertionError(f'provisiond {problem}\n{self.log_tail()}')
            time.sleep(0.02)
        # The name comes before the store is loaded; the first answer after it.
        self.status()
        return self

    def _reap(self, process, timeout=STOP_TIMEOUT):
        """Waits for process to exit (killing it after timeout); returns its
        exit code, or None if it had to be killed."""
        try:
            return process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            return None
        finally:
            self._log.close()
            _live_daemons.discard(self)

    def wait_exit(self, timeout=STOP_TIMEOUT):
        """Waits for the daemon to exit on its own; returns the exit code."""
        process, self.process = self.process, None
        code = self._reap(process, timeout)
        if code is None:
            raise AssertionError(f'provisiond did not exit within {timeout} s\n{self.log_tail()}')
        return code

    def stop(self, signum=signal.SIGTERM):
        """Sends signum and asserts a clean exit (code 0)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signum)
        code = self.wait_exit()
        if code != 0:
            raise AssertionError(f'provisiond exited with {code} after '
                                 f'{signal.Signals(signum).name}\n{self.log_tail()}')

    def restart(self):
        self.stop()
        return self.start()

    def close(self):
        try:
            self.stop()
        finally:
            if self.connection is not None:
                self.connection.close_sync(None)
                self.connection = None
            if self._owns_state_dir:
                shutil.rmtree(self.state_dir, ignore_errors=True)
            shutil.rmtree(self.work_dir, ignore_errors=True)

    def abandon(self):
        """Kills the daemon and removes its directories, without any check:
        for a test run that is itself being stopped."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None
        _live_daemons.discard(self)
        if self._owns_state_dir:
            shutil.rmtree(self.state_dir, ignore_errors=True)
        shutil.rmtree(self.work_dir, ignore_errors=True)

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(self, exc_type, exc, tb):
        try:
            self.close()
        except AssertionError:
            if exc is None:
                raise
            # Keep the test's own failure; still show why the daemon failed.
            print(f'also: {sys.exc_info()[1]}', file=sys.stderr)
        return False

    def log_tail(self, lines=200):
        """The end of the daemon's stderr and stdout, for failure messages."""
        parts = []
        for label, path in (('stderr', self.log_path), ('stdout', self.stdout_path)):
            try:
                with open(path, 'rb') as f:
                    text = f.read().decode('utf-8', 'replace')
            except OSError:
                continue
            if text:
                parts.append(f'--- provisiond {label} ---\n' + '\n'.join(text.splitlines()[-lines:]))
        return '\n'.join(parts)

    def log_text(self):
        """Everything the daemon wrote to stderr so far."""
        with open(self.log_path, 'rb') as f:
            return f.read().decode('utf-8', 'replace')

    @property
    def pid(self):
        return self.process.pid

    # -- files --

    def settings_bytes(self):
        with open(self.settings_path, 'rb') as f:
            return f.read()

    def settings_sections(self):
        return sections_of(parse_xml(self.settings_bytes()))

    def scratch_file(self, data):
        """Writes data to a new file outside the state dir; returns its path."""
        self._scratch_count += 1
        path = os.path.join(self.work_dir, f'document-{self._scratch_count}.xml')
        with open(path, 'wb') as f:
            f.write(data)
        return path

    # -- methods --

    def apply_fd(self, fd, options=None):
        """ApplyFile on an open fd (the fd stays ours). Returns [(section, version, how)]."""
        fd_list = Gio.UnixFDList.new()
        index = fd_list.append(fd)
        parameters = GLib.Variant('(ha{sv})', (index, options or {}))
        (sections,) = call(self.connection, 'ApplyFile', parameters, '(a(sss))', fd_list=fd_list)
        return [tuple(section) for section in sections]

    def apply(self, document, options=None):
        """ApplyFile with a path (str) or a document (bytes)."""
        path = self.scratch_file(document) if isinstance(document, bytes) else document
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            return self.apply_fd(fd, options)
        finally:
            os.close(fd)

    def start_provisioning(self, options=None):
        """StartProvisioning; options values that are str are sent as 's'
        variants, GLib.Variant values as they are. Returns the run id."""
        (run_id,) = call(self.connection, 'StartProvisioning',
                         GLib.Variant('(a{sv})', (variant_options(options),)), '(t)')
        return run_id

    def cancel(self):
        call(self.connection, 'Cancel', None, None)

    def state_snapshot(self):
        """file name -> bytes of every file in the state dir."""
        snapshot = {}
        for name in sorted(os.listdir(self.state_dir)):
            path = os.path.join(self.state_dir, name)
            if os.path.isfile(path):
                with open(path, 'rb') as f:
                    snapshot[name] = f.read()
        return snapshot

    def backup(self, sections=()):
        (xml,) = call(self.connection, 'Backup', GLib.Variant('(as)', (list(sections),)), '(s)')
        return xml

    def backup_sections(self, sections=()):
        return sections_of(parse_xml(self.backup(sections)))

    def status(self):
        (status,) = call(self.connection, 'GetStatus', None, '(a{sv})')
        return status

    def get_property(self, name):
        (value,) = call(self.connection, 'Get', GLib.Variant('(ss)', (INTERFACE, name)), '(v)',
                        interface='org.freedesktop.DBus.Properties')
        return value

    def get_all_properties_typed(self):
        """name -> GLib.Variant (keeps the D-Bus type for contract checks)."""
        reply = self.connection.call_sync(BUS_NAME, OBJECT_PATH, 'org.freedesktop.DBus.Properties',
                                          'GetAll', GLib.Variant('(s)', (INTERFACE,)),
                                          GLib.VariantType.new('(a{sv})'), Gio.DBusCallFlags.NONE,
                                          int(CALL_TIMEOUT * 1000), None)
        properties = reply.get_child_value(0)
        return {properties.get_child_value(i).get_child_value(0).get_string():
                properties.get_child_value(i).get_child_value(1).get_variant()
                for i in range(properties.n_children())}

    def introspect(self, path=OBJECT_PATH):
        reply = self.connection.call_sync(BUS_NAME, path, 'org.freedesktop.DBus.Introspectable',
                                          'Introspect', None, GLib.VariantType.new('(s)'),
                                          Gio.DBusCallFlags.NONE, int(CALL_TIMEOUT * 1000), None)
        return reply.unpack()[0]


# ---- unittest glue ---------------------------------------------------------

class DaemonTestCase(unittest.TestCase):
    """Assertions shared by the test modules."""

    @contextlib.contextmanager
    def assertDBusError(self, name):
        """Asserts that the block raises the remote D-Bus error name; yields a
        dict that receives 'name' and 'message'."""
        caught = {}
        try:
            yield caught
        except GLib.Error as error:
            caught['name'], caught['message'] = dbus_error(error)
            self.assertEqual(caught['name'], name, f'wrong D-Bus error: {caught["message"]}')
        else:
            self.fail(f'expected D-Bus error {name}, the call succeeded')

    def assertSectionsEqual(self, expected, actual, msg=None):
        """expected/actual: section name -> element; compared canonically."""
        self.assertEqual(sorted(expected), sorted(actual), msg)
        for name in expected:
            self.assertEqual(canonical_section(expected[name]), canonical_section(actual[name]),
                             f'section {name} differs' + (f': {msg}' if msg else ''))


def start_daemon(test_case, **kwargs):
    """Starts a daemon that is stopped (exit code asserted) when test_case ends."""
    daemon = Daemon(**kwargs)
    test_case.addCleanup(daemon.close)
    daemon.start()
    return daemon


def _stop_on_signal(signum, _frame):
    """SIGTERM (meson's timeout) or SIGINT would end the tests without their
    cleanups (unittest does not run them on the way out): kill the daemons,
    remove their directories, and fail."""
    for daemon in list(_live_daemons):
        daemon.abandon()
    print(f'stopped by {signal.Signals(signum).name}', file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(128 + signum)


def main():
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _stop_on_signal)
    unittest.main(verbosity=2)
