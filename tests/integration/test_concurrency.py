# SPDX-License-Identifier: LGPL-2.1-or-later
"""The bus stays served while a document is applied (docs/architecture.md,
"Threads"): ApplyFile's work runs in a worker thread, GetStatus is answered
meanwhile and shows State=applying; a second ApplyFile that comes while one
is in progress waits for it and is applied after it, in order. Nothing here
is timed: the assertions are on the order of the replies and on the stored
settings."""

import os
import unittest

import harness
import httpd
from harness import BUS_NAME, INTERFACE, OBJECT_PATH, DaemonTestCase, Gio, GLib, SignalRecorder

# A templates section of about 4 MiB, the default MaxFileSize: its apply takes
# far longer than answering one GetStatus.
LARGE_TEMPLATES = 8000


def large_templates_document(tag):
    version = harness.current_section_versions()['templates']
    parts = [f'<configuration><templates version="{version}">']
    for i in range(LARGE_TEMPLATES):
        parts.append(f'<template name="t{i:06d}"><prio>{i % 100}</prio>'
                     f'<description>Busy lamp field {i} {tag}: show a colleague\'s state, pick up their '
                     f'ringing call or call them.</description><icon>blf</icon><label>BLF {i}</label>'
                     f'<parameters><parameter name="extension" value="{2000 + i}"/>'
                     f'<parameter name="identity" value="1"/><parameter name="pickupCode" value="*8"/>'
                     f'</parameters><code>local blf = require("blf"); blf.toggle({i})</code></template>')
    parts.append('</templates></configuration>')
    return ''.join(parts).encode()


class Replies:
    """Asynchronous calls on one connection; records the order their replies are dispatched in."""

    def __init__(self, connection):
        self.connection = connection
        self.order = []
        self.results = {}

    def send(self, label, method, parameters, reply_type, fd_list=None):
        def done(conn, result, _user_data):
            try:
                reply, _fds = conn.call_with_unix_fd_list_finish(result)
                self.results[label] = reply.unpack()
            except GLib.Error as error:
                self.results[label] = error
            self.order.append(label)

        self.connection.call_with_unix_fd_list(
            BUS_NAME, OBJECT_PATH, INTERFACE, method, parameters, GLib.VariantType.new(reply_type),
            Gio.DBusCallFlags.NONE, int(harness.CALL_TIMEOUT * 1000), fd_list, None, done, None)

    def send_apply(self, label, path):
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            fd_list = Gio.UnixFDList.new()
            index = fd_list.append(fd)
            self.send(label, 'ApplyFile', GLib.Variant('(ha{sv})', (index, {})), '(a(sss))', fd_list)
        finally:
            os.close(fd)

    def wait(self, *labels):
        harness.pump_until(lambda: all(label in self.results for label in labels), harness.CALL_TIMEOUT,
                           f'the replies {labels}')
        for label in labels:
            if isinstance(self.results[label], GLib.Error):
                raise self.results[label]


class ConcurrencyTest(DaemonTestCase):

    def setUp(self):
        self.daemon = harness.start_daemon(self)
        self.replies = Replies(self.daemon.connection)

    def test_get_status_is_answered_while_a_large_document_is_applied(self):
        path = self.daemon.scratch_file(large_templates_document('a'))
        self.assertLessEqual(os.path.getsize(path), 4 * 1024 * 1024)
        generation = self.daemon.status()['SettingsGeneration']

        self.replies.send_apply('apply', path)
        self.replies.send('status', 'GetStatus', None, '(a{sv})')
        self.replies.wait('apply', 'status')

        self.assertEqual(['status', 'apply'], self.replies.order,
                         'GetStatus must be answered before the apply ends')
        (during,) = self.replies.results['status']
        self.assertEqual('applying', during['State'])
        (changes,) = self.replies.results['apply']
        self.assertEqual(['templates'], [section for section, _version, _how in changes])
        after = self.daemon.status()
        self.assertEqual('idle', after['State'])
        self.assertEqual('success', after['LastResult'])
        self.assertEqual(generation + 1, after['SettingsGeneration'])
        stored = self.daemon.settings_sections()['templates']
        self.assertEqual(LARGE_TEMPLATES + 5, len(stored.findall('template')))

    def test_a_second_apply_waits_for_the_first_and_comes_after_it(self):
        large = self.daemon.scratch_file(large_templates_document('b'))
        small = harness.fixture_path('telephony-merge.xml')
        recorder = SignalRecorder()
        self.addCleanup(recorder.close)
        generation = self.daemon.status()['SettingsGeneration']

        self.replies.send_apply('first', large)
        self.replies.send_apply('second', small)
        self.replies.send('status', 'GetStatus', None, '(a{sv})')
        self.replies.wait('first', 'second', 'status')

        self.assertEqual(['status', 'first', 'second'], self.replies.order)
        self.assertEqual('applying', self.replies.results['status'][0]['State'])
        self.assertEqual(['templates'], [section for section, _v, _h in self.replies.results['first'][0]])
        self.assertEqual(['telephony'], [section for section, _v, _h in self.replies.results['second'][0]])
        recorder.wait_for(lambda _signals: len(recorder.named('SectionApplied')) == 2, what='two SectionApplied')
        self.assertEqual(['templates', 'telephony'],
                         [args[1] for args in recorder.named('SectionApplied')])
        after = self.daemon.status()
        self.assertEqual('idle', after['State'])
        self.assertEqual(generation + 2, after['SettingsGeneration'])
        sections = self.daemon.settings_sections()
        self.assertEqual(LARGE_TEMPLATES + 5, len(sections['templates'].findall('template')))
        expected = harness.sections_of(harness.parse_xml(harness.read_fixture('telephony-merge.xml')))
        for path, value in harness.leaves(expected['telephony']).items():
            self.assertEqual(value, harness.leaves(sections['telephony']).get(path), path)


    def test_state_stays_applying_when_a_run_ends_during_an_apply(self):
        """State = applying lasts until the apply's reply (docs/dbus-api.md), also when a run
        ends meanwhile: the run's end does not set idle while the apply is in progress."""
        large = self.daemon.scratch_file(large_templates_document('c'))
        server = httpd.start_server(self)
        server.add('/silent.xml', hang=True)
        events = self.replies.order  # the replies' labels and the signals, in the order they came

        def on_signal(_conn, _sender, _path, _interface, member, parameters, _user_data):
            if member == 'PropertiesChanged' and 'State' in parameters.unpack()[1]:
                events.append(('State', parameters.unpack()[1]['State']))
            elif member in ('Failed', 'Finished'):
                events.append((member,))

        connection = self.daemon.connection
        subscription = connection.signal_subscribe(None, None, None, OBJECT_PATH, None,
                                                   Gio.DBusSignalFlags.NONE, on_signal, None)
        self.addCleanup(connection.signal_unsubscribe, subscription)
        # One connection: the daemon takes the calls in this order, so the run is cancelled
        # right after the apply was queued, long before a 4 MiB document is applied.
        self.replies.send('start', 'StartProvisioning',
                          GLib.Variant('(a{sv})', ({'url': GLib.Variant('s', server.url('/silent.xml'))},)),
                          '(t)')
        self.replies.send_apply('apply', large)
        self.replies.send('cancel', 'Cancel', None, '()')
        self.replies.wait('start', 'apply', 'cancel')
        harness.pump_until(lambda: ('Failed',) in events, harness.SIGNAL_TIMEOUT, 'the run\'s Failed')

        if events.index(('Failed',)) > events.index('apply'):
            self.skipTest('the apply ended before the run was cancelled: nothing to compare')
        states = [event for event in events[:events.index('apply')] if event[0] == 'State']
        self.assertEqual([('State', 'running'), ('State', 'applying'), ('State', 'idle')], states)
        self.assertGreater(events.index(('State', 'idle')), events.index(('Failed',)),
                           'State went idle when the run ended, while the apply was in progress')
        self.assertEqual('idle', self.daemon.status()['State'])

if __name__ == '__main__':
    unittest.main(verbosity=2)
