# SPDX-License-Identifier: LGPL-2.1-or-later
"""provisionctl end to end against the real daemon.
Exit codes: 0 ok, 1 refused, 2 usage, 3 cannot connect."""

import json
import os
import re
import select
import signal
import socket
import subprocess
import tempfile
import time
import unittest

import harness
import httpd
from harness import DaemonTestCase, fixture_path, parse_xml, sections_of, source_path

BACKUP_EXAMPLE = source_path('data', 'examples', 'backup.xml')
EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_UNREACHABLE = 0, 1, 2, 3
STATUS_KEYS = ('State', 'LastResult', 'LastError', 'LastWarnings', 'LastChange', 'SettingsGeneration')
MONITOR_TIMEOUT = 20.0


def call_waiting_document(active):
    """A bare telephony section that sets callWaiting/active."""
    value = 'true' if active else 'false'
    return f'<telephony><callWaiting><active>{value}</active></callWaiting></telephony>'.encode()


def provisionctl(*args, env=None):
    return subprocess.run([harness.provisionctl_binary(), *args], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60, env=env)


class ProvisionctlTest(DaemonTestCase):

    def setUp(self):
        self.daemon = harness.start_daemon(self)

    def run_ok(self, *args):
        result = provisionctl('--system', *args)
        self.assertEqual(EXIT_OK, result.returncode, result.stderr)
        return result

    # ---- status ----------------------------------------------------------------

    def test_status_exits_0_and_shows_the_state(self):
        result = self.run_ok('status')
        self.assertIn('State', result.stdout)
        self.assertIn('idle', result.stdout)

    def test_status_json_has_every_status_key(self):
        self.daemon.apply(fixture_path('telephony-merge.xml'))
        status = self.daemon.status()

        document = json.loads(self.run_ok('status', '--json').stdout)

        for key in STATUS_KEYS:
            self.assertIn(key, document)
        self.assertEqual(status['State'], document['State'])
        self.assertEqual(status['LastResult'], document['LastResult'])
        self.assertEqual(status['SettingsGeneration'], document['SettingsGeneration'])
        self.assertEqual(status['LastChange'], document['LastChange'])

    def test_version_shows_the_running_daemon_version(self):
        result = self.run_ok('--version')
        version = self.daemon.status()['Version']

        self.assertRegex(version, r'^[0-9]+\.[0-9]+\.[0-9]+')
        self.assertEqual([f'provisionctl {version}', f'provisiond {version}'], result.stdout.splitlines())

    # ---- apply -----------------------------------------------------------------

    def test_apply_prints_the_changed_sections_and_exits_0(self):
        before = self.daemon.backup_sections()
        with open(BACKUP_EXAMPLE, 'rb') as f:
            restored = sections_of(parse_xml(f.read()))
        changed = [name for name in restored
                   if harness.canonical_section(restored[name]) != harness.canonical_section(before[name])]
        self.assertTrue(changed)

        result = self.run_ok('apply', BACKUP_EXAMPLE)

        for name in changed:
            self.assertIn(name, result.stdout)
        self.assertSectionsEqual(restored, self.daemon.backup_sections())

    def test_apply_of_malformed_file_exits_1_naming_the_error(self):
        stored = self.daemon.settings_bytes()

        result = provisionctl('--system', 'apply', fixture_path('malformed.xml'))

        self.assertEqual(EXIT_REFUSED, result.returncode, result.stderr)
        self.assertTrue(result.stderr.startswith(
            f'provisionctl: {fixture_path("malformed.xml")}: org.provisiond.Provisioning1.Error.InvalidFile: '),
            result.stderr)
        self.assertEqual(stored, self.daemon.settings_bytes())

    def test_apply_from_a_pipe_applies_what_it_reads(self):
        with open(BACKUP_EXAMPLE, 'rb') as f:
            document = f.read()
        restored = sections_of(parse_xml(document))

        result = subprocess.run([harness.provisionctl_binary(), 'apply', '-', '--system', '--json'],
                                input=document, capture_output=True, timeout=60)

        self.assertEqual(EXIT_OK, result.returncode, result.stderr)
        self.assertEqual({'changed', 'warnings'}, set(json.loads(result.stdout)))
        self.assertSectionsEqual(restored, self.daemon.backup_sections())

    # ---- backup ----------------------------------------------------------------

    def test_backup_of_a_section_prints_it(self):
        result = self.run_ok('backup', 'telephony')
        self.assertIn('<telephony', result.stdout)
        self.assertEqual(['telephony'], list(sections_of(parse_xml(result.stdout))))

    def test_backup_output_option_writes_the_file(self):
        path = os.path.join(self.daemon.work_dir, 'saved-backup.xml')

        self.run_ok('backup', '-o', path)

        with open(path, 'rb') as f:
            saved = f.read()
        self.assertEqual(parse_xml(self.daemon.backup().encode()).tag, parse_xml(saved).tag)
        self.assertSectionsEqual(self.daemon.backup_sections(), sections_of(parse_xml(saved)))

    # ---- monitor ---------------------------------------------------------------

    def test_monitor_prints_section_applied_and_exits_0_on_sigterm(self):
        monitor = subprocess.Popen([harness.provisionctl_binary(), '--system', 'monitor'],
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
        try:
            line = self.apply_until_monitor_prints(monitor)
            self.assertIn('SectionApplied', line)
            self.assertIn('telephony', line)
            monitor.send_signal(signal.SIGTERM)
            _, stderr = monitor.communicate(timeout=10)
            self.assertEqual(EXIT_OK, monitor.returncode, stderr)
        finally:
            if monitor.poll() is None:
                monitor.kill()
                monitor.communicate()

    def apply_until_monitor_prints(self, monitor):
        """The monitor subscribes at some point after it starts: apply
        changing documents until it reports one. Returns that line."""
        deadline = time.monotonic() + MONITOR_TIMEOUT
        output = b''
        active = False
        while time.monotonic() < deadline:
            self.assertIsNone(monitor.poll(), 'monitor exited early')
            self.assertEqual(1, len(self.daemon.apply(call_waiting_document(active))))
            active = not active
            readable, _, _ = select.select([monitor.stdout.fileno()], [], [], 0.5)
            if readable:
                output += os.read(monitor.stdout.fileno(), 65536)
            for line in output.decode('utf-8', 'replace').splitlines(keepends=True):
                if 'SectionApplied' in line and line.endswith('\n'):
                    return line
        self.fail(f'monitor printed no SectionApplied line within {MONITOR_TIMEOUT} s: {output!r}')

    # ---- exit codes --------------------------------------------------------------

    def test_unknown_command_exits_2(self):
        result = provisionctl('--system', 'no-such-command')
        self.assertEqual(EXIT_USAGE, result.returncode, result.stderr)

    def test_missing_argument_exits_2(self):
        result = provisionctl('--system', 'apply')
        self.assertEqual(EXIT_USAGE, result.returncode, result.stderr)

    def test_unreachable_bus_exits_3(self):
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS='unix:path=/nonexistent/provisiond-itest-bus')
        result = provisionctl('--system', 'status', env=env)
        self.assertEqual(EXIT_UNREACHABLE, result.returncode, result.stderr)


# Every command with the arguments it needs to call the daemon; the files name what a test makes.
EVERY_COMMAND = (('status',), ('start',), ('start', '--no-wait'), ('cancel',), ('apply', BACKUP_EXAMPLE),
                 ('backup',), ('monitor',), ('dhcp', '--interface', 'eth0'),
                 ('check-sync', '--sender', '127.0.0.1'), ('discover',), ('history',), ('history', '--runs'),
                 ('rollback',), ('rollback', '1'), ('diff',), ('diff', '1', '2'))
JSON_COMMANDS = tuple(command for command in EVERY_COMMAND
                      if command[0] in ('status', 'start', 'apply', 'monitor', 'discover', 'history', 'rollback',
                                        'diff'))


def missing_bus_env(directory):
    """An environment whose system bus address names a socket that does not exist."""
    address = f'unix:path={directory}/no-such-bus-socket'
    return address, dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=address)


class ProvisionctlFailureTest(DaemonTestCase):
    """What provisionctl says when it cannot connect, when provisiond is not running, and,
    with --json, on stdout for every failure."""

    def setUp(self):
        self.daemon = harness.start_daemon(self)

    def assertJsonError(self, result, name, exit_code=EXIT_REFUSED):
        """stdout is one JSON object with "error": {"name": name, "message": …}; returns it."""
        self.assertEqual(exit_code, result.returncode, result.stderr)
        try:
            document = json.loads(result.stdout)
        except json.JSONDecodeError as error:
            self.fail(f'stdout is not one JSON object ({error}): {result.stdout!r}, stderr {result.stderr!r}')
        self.assertIsInstance(document, dict)
        self.assertEqual(name, document['error']['name'], document)
        self.assertIsInstance(document['error']['message'], str)
        self.assertTrue(document['error']['message'])
        return document

    # ---- no bus --------------------------------------------------------------------

    def test_missing_bus_socket_names_the_address_and_the_reason(self):
        with tempfile.TemporaryDirectory() as directory:
            address, env = missing_bus_env(directory)
            for command in EVERY_COMMAND:
                result = provisionctl('--system', *command, env=env)
                self.assertEqual(EXIT_UNREACHABLE, result.returncode, (command, result.stderr))
                self.assertEqual(f'provisionctl: cannot connect to the system bus at {address}: '
                                 'No such file or directory\n', result.stderr, command)
                self.assertEqual('', result.stdout, command)

    def test_bus_address_option_that_refuses_names_it_and_the_reason(self):
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, 'refusing-socket')
            holder = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.addCleanup(holder.close)
            holder.bind(path)  # bound, never listening: connect() is refused

            result = provisionctl('--address', f'unix:path={path}', 'status')

        self.assertEqual(EXIT_UNREACHABLE, result.returncode, result.stderr)
        self.assertEqual(f'provisionctl: cannot connect to the bus at unix:path={path}: Connection refused\n',
                         result.stderr)

    def test_missing_bus_with_json_prints_an_error_object(self):
        with tempfile.TemporaryDirectory() as directory:
            address, env = missing_bus_env(directory)
            for command in JSON_COMMANDS:
                result = provisionctl('--system', *command, '--json', env=env)
                document = self.assertJsonError(result, 'org.freedesktop.DBus.Error.NoServer', EXIT_UNREACHABLE)
                self.assertEqual(f'cannot connect to the system bus at {address}: No such file or directory',
                                 document['error']['message'])

    # ---- no daemon -----------------------------------------------------------------

    def test_daemon_not_running_is_said_for_every_command(self):
        self.daemon.stop()
        address = os.environ['DBUS_SYSTEM_BUS_ADDRESS']
        for command in EVERY_COMMAND:
            result = provisionctl('--system', *command)
            self.assertEqual(EXIT_UNREACHABLE, result.returncode, (command, result.stderr))
            lines = result.stderr.splitlines()
            self.assertEqual(f'provisionctl: provisiond is not running on the system bus ({address})', lines[0],
                             command)
            self.assertRegex(lines[1], r'^Start it with "systemctl start provisiond", or without systemd as '
                                       r'root: /\S*/provisiond --system$', command)
            self.assertEqual(2, len(lines), (command, result.stderr))
            self.assertNotIn('org.freedesktop.DBus', result.stderr, command)

    def test_daemon_not_running_on_the_bus_of_address_names_that_bus(self):
        self.daemon.stop()
        address = os.environ['DBUS_SYSTEM_BUS_ADDRESS']

        result = provisionctl('status', '--address', address)

        self.assertEqual(EXIT_UNREACHABLE, result.returncode, result.stderr)
        lines = result.stderr.splitlines()
        self.assertEqual(2, len(lines), result.stderr)
        self.assertEqual(f'provisionctl: provisiond is not running on the bus at {address}', lines[0])
        self.assertRegex(lines[1], '^Start it on that bus: DBUS_SYSTEM_BUS_ADDRESS=' + re.escape(address) +
                         r' /\S*/provisiond --system$')

    def test_daemon_not_running_with_json_prints_an_error_object(self):
        self.daemon.stop()
        address = os.environ['DBUS_SYSTEM_BUS_ADDRESS']
        for command in JSON_COMMANDS:
            result = provisionctl('--system', *command, '--json')
            document = self.assertJsonError(result, 'org.freedesktop.DBus.Error.ServiceUnknown', EXIT_UNREACHABLE)
            self.assertEqual(f'provisiond is not running on the system bus ({address})',
                             document['error']['message'], command)

    # ---- --json: the daemon's refusals and local failures ------------------------------

    def test_apply_json_of_a_refused_document_prints_the_error(self):
        stored = self.daemon.settings_bytes()

        result = provisionctl('--system', 'apply', '--json', fixture_path('malformed.xml'))

        document = self.assertJsonError(result, harness.ERROR_PREFIX + 'InvalidFile')
        self.assertEqual(fixture_path('malformed.xml'), document['file'])
        self.assertIn(f'provisionctl: {fixture_path("malformed.xml")}: {harness.ERROR_PREFIX}InvalidFile: ',
                      result.stderr)
        self.assertEqual(stored, self.daemon.settings_bytes())

    def test_apply_json_of_a_missing_file_prints_the_error(self):
        path = os.path.join(self.daemon.work_dir, 'no-such-document.xml')

        result = provisionctl('--system', 'apply', '--json', path)

        document = self.assertJsonError(result, 'org.freedesktop.DBus.Error.Failed')
        self.assertEqual(f'cannot open {path}: No such file or directory', document['error']['message'])
        self.assertEqual(path, document['file'])

    def test_start_json_refused_busy_prints_the_error(self):
        server = httpd.start_server(self)
        server.add('/silent.xml', hang=True)
        run_id = self.daemon.start_provisioning({'url': server.url('/silent.xml')})
        self.addCleanup(self.daemon.cancel)
        server.wait_for_request('/silent.xml')

        result = provisionctl('--system', 'start', '--json', '--url', server.url('/other.xml'))

        document = self.assertJsonError(result, harness.ERROR_PREFIX + 'Busy')
        self.assertIn(f'run {run_id} ', document['error']['message'])
        self.assertIn('was not started', result.stderr)
        self.assertNotIn('/other.xml', server.paths())

    def test_rollback_and_diff_json_of_unknown_generations_print_the_error(self):
        for command in (('rollback', '999'), ('diff', '998', '999')):
            result = provisionctl('--system', *command, '--json')
            self.assertJsonError(result, harness.ERROR_PREFIX + 'UnknownGeneration')

    def test_rollback_and_diff_json_without_an_earlier_generation_print_the_error(self):
        (generations,) = harness.call(self.daemon.connection, 'ListGenerations', None, '(a(ta{sv}))')
        self.assertEqual(1, len(generations))
        for command in (('rollback',), ('diff',)):
            result = provisionctl('--system', *command, '--json')
            document = self.assertJsonError(result, 'org.freedesktop.DBus.Error.Failed')
            self.assertEqual('no generation before the current one is kept', document['error']['message'])

    def test_json_usage_errors_print_the_error(self):
        for command in (('rollback', 'latest'), ('diff', '1', 'x'), ('status', 'extra'), ('apply',),
                        ('history', '--json', '--no-such-option')):
            result = provisionctl('--system', *command, '--json')
            self.assertJsonError(result, harness.INVALID_ARGS, EXIT_USAGE)


class ProvisiondCommandLineTest(unittest.TestCase):
    """provisiond's own command line, before it touches a bus."""

    def provisiond(self, *args):
        return subprocess.run([harness.provisiond_binary(), *args], stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=60)

    def test_version(self):
        result = self.provisiond('--version')
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertRegex(result.stdout, r'^provisiond [0-9][^\n]*\n$')

    def test_help_shows_the_default_paths(self):
        result = self.provisiond('--help')
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertIn('Default paths', result.stdout)
        for option in ('--config)', '--state-dir, StateDir=)', '--defaults, Defaults=)',
                       '--schemas-dir, SchemasDir=)'):
            self.assertRegex(result.stdout, r'\n  [a-z]+ +/\S+ \(' + re.escape(option), option)

    def assertStartFails(self, expected, *args):
        """provisiond --system with an empty configuration file and state dir in a fresh
        directory exits 1 saying expected. In args and expected, {work_dir} stands for that
        directory, in expected {config} for the configuration file."""
        with tempfile.TemporaryDirectory() as work_dir:
            config = os.path.join(work_dir, 'provisiond.conf')
            open(config, 'w').close()
            result = self.provisiond('--system', '--config', config, '--state-dir', work_dir,
                                     *(arg.format(work_dir=work_dir) for arg in args))
        self.assertEqual(1, result.returncode)
        self.assertEqual(expected.format(work_dir=work_dir, config=config), result.stderr)

    def test_missing_schemas_name_the_path_and_the_option(self):
        self.assertStartFails("provisiond: cannot read the schemas' release list {work_dir}/schemas/releases.conf: "
                              'No such file or directory (set with --schemas-dir or [Paths] SchemasDir= in {config})\n',
                              '--schemas-dir', '{work_dir}/schemas')

    def test_missing_defaults_name_the_path_and_the_option(self):
        self.assertStartFails('provisiond: cannot read the factory defaults {work_dir}/defaults.xml: '
                              'No such file or directory (set with --defaults or [Paths] Defaults= in {config})\n',
                              '--schemas-dir', source_path('schemas'), '--defaults', '{work_dir}/defaults.xml')

    def test_missing_config_file_names_the_option(self):
        with tempfile.TemporaryDirectory() as work_dir:
            config = os.path.join(work_dir, 'provisiond.conf')
            result = self.provisiond('--system', '--config', config)
        self.assertEqual(1, result.returncode)
        self.assertEqual(f'provisiond: cannot load the configuration (set with --config): {config}: '
                         'No such file or directory\n', result.stderr)


if __name__ == '__main__':
    harness.main()
