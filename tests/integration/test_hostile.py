# SPDX-License-Identifier: LGPL-2.1-or-later
"""Hostile servers, files and callers: what reaches the bus is valid UTF-8 and
bounded, each input costs work bounded by its size (named errors past the
budget), secrets never reach a message, and losing the bus is a failure exit.

Work is bounded by what the daemon allocates (VmHWM) and by the named error
that stops it, never by time."""

import os
import socket
import subprocess
import threading

from gi.repository import Gio

import harness
import run_case
from harness import INVALID_ARGS

INVALID_FILE = harness.ERROR_PREFIX + 'InvalidFile'
VALIDATION = harness.ERROR_PREFIX + 'Validation'
SETTINGS_TOO_LARGE = harness.ERROR_PREFIX + 'SettingsTooLarge'

# The caps the daemon promises (service/text-limit.h).
TEXT_LIMIT_BYTES = 4096
WARNINGS_LIMIT_BYTES = 64 * 1024
MAX_WARNINGS = 100 + 1  # and one entry saying how many more there were

# Generous bound on the daemon's peak memory after a hostile document: the
# unbounded cases reach hundreds of MiB to GiB.
PEAK_RSS_BOUND_KIB = 150 * 1024


def peak_rss_kib(pid):
    with open(f'/proc/{pid}/status', encoding='ascii') as f:
        for line in f:
            if line.startswith('VmHWM:'):
                return int(line.split()[1])
    raise AssertionError('no VmHWM')


def uses_address_sanitizer(pid):
    """AddressSanitizer keeps up to 256 MiB of freed memory in quarantine:
    peak RSS then says nothing about the work done."""
    with open(f'/proc/{pid}/maps', encoding='utf-8', errors='replace') as f:
        return 'libasan' in f.read()


def utf8_size(text):
    return len(text.encode('utf-8'))


class RawHttpServer:
    """Answers every connection on 127.0.0.1 with the same raw bytes, so that
    a status line no HTTP library would write can be sent."""

    def __init__(self, answer):
        self.answer = answer
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.bind(('127.0.0.1', 0))
        self.socket.listen(8)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def port(self):
        return self.socket.getsockname()[1]

    def _serve(self):
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            with connection:
                try:
                    connection.recv(65536)
                    connection.sendall(self.answer)
                except OSError:
                    pass

    def close(self):
        self.socket.shutdown(socket.SHUT_RDWR)
        self.socket.close()
        self.thread.join(5)


class BusStringsTest(run_case.RunTestCase):
    limits = {'MaxFiles': 16}

    def test_non_utf8_reason_phrase_reaches_the_bus_as_utf8(self):
        server = RawHttpServer(b'HTTP/1.1 503 Service \xff Unavailable\r\n'
                               b'Content-Length: 0\r\nConnection: close\r\n\r\n')
        self.addCleanup(server.close)
        outcome = self.provision(f'http://127.0.0.1:{server.port}/phone.xml')
        self.assertEqual(('Failed', run_case.error_name('Download')), (outcome.member, outcome.error_name))
        self.assertIn('\ufffd', outcome.error_message)
        status = self.daemon.status()
        self.assertEqual(outcome.error_message, status['LastError'][1])
        result = subprocess.run([harness.provisionctl_binary(), '--system', 'status'],
                                capture_output=True, timeout=30, check=False)
        self.assertEqual(0, result.returncode, result.stderr)

    def test_warnings_and_progress_detail_stay_bounded(self):
        # An operations document on a section with a 300 kB name, named nine
        # times by a reference file: each copy is discarded with a warning
        # that quotes the name twice.
        name = 'n' * 300_000
        operations = (f'<?xml version="1.0" encoding="UTF-8"?><operations>'
                      f'<delete path="/{name}/x"/></operations>').encode('utf-8')
        self.server.add_document('/ops.xml', operations)
        self.server.add_document('/refs.xml', run_case.reference_document(
            *[self.server.url('/ops.xml') for _ in range(9)]))
        outcome = self.provision(self.server.url('/refs.xml'))
        self.assertEqual('Finished', outcome.member, outcome.args)
        for _stage, _percent, detail in outcome.progress:
            self.assertLessEqual(utf8_size(detail), TEXT_LIMIT_BYTES)
        warnings = self.daemon.status()['LastWarnings']
        self.assertTrue(warnings)
        self.assertLessEqual(len(warnings), MAX_WARNINGS)
        self.assertLessEqual(sum(utf8_size(w) for w in warnings), WARNINGS_LIMIT_BYTES + TEXT_LIMIT_BYTES)
        for warning in warnings:
            self.assertLessEqual(utf8_size(warning), TEXT_LIMIT_BYTES)

    def test_huge_url_option_is_invalid_args(self):
        before = self.daemon.state_snapshot()
        with self.assertDBusError(INVALID_ARGS):
            self.start_run('http://127.0.0.1/' + 'u' * (20 * 1024 * 1024))
        self.assertEqual('idle', self.daemon.status()['State'])
        self.assertEqual('', self.daemon.status()['Url'])
        self.assertEqual(before, self.daemon.state_snapshot())


class SettingsSizeTest(harness.DaemonTestCase):

    def test_settings_past_the_cap_are_refused_with_settings_too_large(self):
        with harness.Daemon() as probe:
            size = len(probe.settings_bytes())
        # Exactly today's size: "true" -> "false" makes the settings one byte larger.
        daemon = harness.start_daemon(self, config={'Limits': {'MaxSettingsSize': size}})
        stored = daemon.state_snapshot()
        with self.assertDBusError(SETTINGS_TOO_LARGE) as error:
            daemon.apply(run_case.telephony_patch(active=False))
        self.assertIn('MaxSettingsSize', error['message'])
        self.assertEqual(stored, daemon.state_snapshot())
        status = daemon.status()
        self.assertEqual(SETTINGS_TOO_LARGE, status['LastError'][0])
        # A change that does not grow them is still fine.
        daemon.apply(run_case.telephony_patch(active=True, tone=True))
        self.assertEqual('success', daemon.status()['LastResult'])


class CostBudgetTest(harness.DaemonTestCase):
    """Inputs whose cost grows faster than their size are refused by a budget."""

    def setUp(self):
        self.daemon = harness.start_daemon(self)
        self.stored = self.daemon.state_snapshot()

    def assertPeakRssBounded(self):
        pid = self.daemon.process.pid
        if not uses_address_sanitizer(pid):
            self.assertLess(peak_rss_kib(pid), PEAK_RSS_BOUND_KIB)

    def assertRefusedCheaply(self, name, document, reason):
        """Refused with name and a message naming reason (the budget that
        stopped it), the settings untouched, and little memory taken."""
        with self.assertDBusError(name) as error:
            self.daemon.apply(document)
        self.assertIn(reason, error['message'])
        self.assertEqual(self.stored, self.daemon.state_snapshot())
        self.assertEqual('idle', self.daemon.status()['State'])
        self.assertPeakRssBounded()

    def test_add_multiplying_nodes_is_invalid_file(self):
        # 1000 <x/> in /templates, then 2000 <y/> into each: 2 million nodes from 20 kB.
        document = ('<?xml version="1.0" encoding="UTF-8"?><operations>'
                    '<add path="/templates">' + '<x/>' * 1000 + '</add>'
                    '<add path="/templates/x">' + '<y/>' * 2000 + '</add>'
                    '</operations>').encode('utf-8')
        self.assertRefusedCheaply(INVALID_FILE, document, 'nodes')

    def test_xpath_work_of_a_document_is_bounded(self):
        path = '/telephony/callWaiting/active[count(//node()[count(//*) >= 0]) >= 0]'
        operation = f'<replace path="{path}"><active>true</active></replace>'
        document = ('<?xml version="1.0" encoding="UTF-8"?><operations>' + operation * 4096
                    + '</operations>').encode('utf-8')
        self.assertRefusedCheaply(INVALID_FILE, document, 'XPath steps')

    def test_honest_operations_stay_within_the_budget(self):
        operation = ('<replace path="/telephony/callWaiting/active"><active>false</active></replace>'
                     '<replace path="/telephony/callWaiting/active"><active>true</active></replace>')
        document = ('<?xml version="1.0" encoding="UTF-8"?><operations>' + operation * 2048
                    + '</operations>').encode('utf-8')
        self.daemon.apply(document)
        self.assertEqual('success', self.daemon.status()['LastResult'])

    def test_element_with_100k_attributes_is_invalid_file(self):
        attributes = ' '.join(f'a{i}="{i}"' for i in range(100_000))
        document = (f'<?xml version="1.0" encoding="UTF-8"?><configuration><telephony {attributes}>'
                    '<callWaiting><active>false</active></callWaiting></telephony></configuration>').encode('utf-8')
        self.assertRefusedCheaply(INVALID_FILE, document, 'attributes')

    def test_backup_with_more_names_than_sections_is_invalid_args(self):
        with self.assertDBusError(INVALID_ARGS) as error:
            self.daemon.backup(['keys'] * 200_000)
        self.assertIn('section names', error['message'])
        self.daemon.backup(['keys', 'telephony'])
        self.assertPeakRssBounded()


# Secrets with every kind of character a message could be split on.
SECRETS = (
    "my'UserTail-4n6Bx",
    'Qz<7Kp>Wv&Lm"Jd',
    'Hx3rT\nWq8zN\r\n',
    "pä'ßwÖrt-Ωμ9Ж",
)


def xml_text(value):
    return (value.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')
            .replace('\r', '&#13;'))


def secret_fragments(secret):
    """Every 4-character window of the secret without whitespace."""
    return {secret[i:i + 4] for i in range(len(secret) - 3) if not any(c.isspace() for c in secret[i:i + 4])}


def users_document(password):
    return ('<?xml version="1.0" encoding="UTF-8"?><configuration><users><user name="admin">'
            f'<password>{xml_text(password)}</password></user></users></configuration>').encode('utf-8')


class SecretRedactionTest(run_case.RunTestCase):

    def assertNoSecretIn(self, secret, texts):
        for fragment in secret_fragments(secret):
            leaked = [text for text in texts if fragment in text]
            self.assertEqual([], leaked, f'{fragment!r} of the secret leaked')

    def test_invalid_password_never_reaches_a_message(self):
        for secret in SECRETS:
            with self.subTest(secret=secret):
                self.recorder.clear()
                with self.assertDBusError(VALIDATION) as error:
                    self.daemon.apply(users_document(secret))
                self.server.add_document('/users.xml', users_document(secret))
                outcome = self.provision(self.server.url('/users.xml'))
                self.assertEqual(('Failed', VALIDATION), (outcome.member, outcome.error_name))
                texts = [error['message'], outcome.error_message, str(self.daemon.status()),
                         str(self.recorder.signals), self.daemon.log_text()]
                self.assertIn('password', outcome.error_message)
                self.assertNoSecretIn(secret, texts)


class BusLossTest(harness.DaemonTestCase):

    def test_daemon_exits_non_zero_when_the_bus_goes_away(self):
        bus = subprocess.Popen(['dbus-daemon', '--session', '--nofork', '--print-address=1'],
                               stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        self.addCleanup(lambda: bus.poll() is None and (bus.kill(), bus.wait()))
        address = bus.stdout.readline().decode('ascii').strip()
        connection = Gio.DBusConnection.new_for_address_sync(
            address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
            | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
        daemon = harness.Daemon()
        self.addCleanup(daemon.abandon)
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=address)
        process = subprocess.Popen(daemon.command(), env=env, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(lambda: process.poll() is None and (process.kill(), process.wait()))
        harness.pump_until(lambda: harness.name_owner_pid(connection) == process.pid, harness.START_TIMEOUT,
                           'provisiond owning its name')
        connection.close_sync(None)
        bus.kill()
        bus.wait()
        self.assertNotEqual(0, process.wait(harness.STOP_TIMEOUT))


if __name__ == '__main__':
    harness.main()
