# SPDX-License-Identifier: LGPL-2.1-or-later
"""CheckSync end to end: sipp plays the PBX and sends an out-of-dialog NOTIFY
with `Event: check-sync` over UDP on the loopback; the SIP stack stand-in
(sip_standin.py, the reference of docs/sip-integration.md) answers it 200 and
forwards it to provisiond on the test bus. The HTTP server sees what the
daemon fetched. The option checks call CheckSync directly."""

import json
import os
import queue
import shutil
import subprocess
import threading
import unittest

from gi.repository import GLib

import harness
from harness import INVALID_ARGS
from run_case import MAC_IN_URLS, RunTestCase, error_name, telephony_patch

STANDIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'sip_standin.py')
SCENARIOS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'sipp')
SIPP_TIMEOUT = 60
OUTCOME_TIMEOUT = 30.0
NOT_ALLOWED = error_name('NotAllowed')
NOT_YET = ('', 0, False, '')


def provisioning_patch(url='', entries=(), active=True, sip_active=True):
    """A patch of /provisioning: active, url and sip (active, allowlist replaced whole)."""
    allowlist = ''.join(f'<allowlistEntry>{entry}</allowlistEntry>' for entry in entries)
    return (f'<?xml version="1.0" encoding="UTF-8"?><configuration><provisioning>'
            f'<active>{str(active).lower()}</active><url>{url}</url>'
            f'<sip><active>{str(sip_active).lower()}</active><allowlist>{allowlist}</allowlist></sip>'
            f'</provisioning></configuration>').encode('utf-8')


def notify_sync(url):
    return (f'<?xml version="1.0" encoding="UTF-8"?><notifySync><checkSync><url>{url}</url>'
            f'<dataAvailable>true</dataAvailable></checkSync></notifySync>').encode('utf-8')


class StandIn:
    """sip_standin.py listening on address; outcomes() are its JSON lines."""

    def __init__(self, test_case, address):
        self.address = address
        self.process = subprocess.Popen(['/usr/bin/python3', STANDIN, '--listen', address],
                                        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)
        test_case.addCleanup(self.close)
        first = self.process.stdout.readline().split()
        if first[:1] != ['listening']:
            raise AssertionError(f'the SIP stand-in did not start: {first}')
        self.port = int(first[1])
        self.lines = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(json.loads(line))

    @property
    def target(self):
        """Where sipp sends to: a dual-stack socket is reached over IPv4."""
        if self.address.startswith('::ffff:'):
            return f'{self.address[len("::ffff:"):]}:{self.port}'
        return f'[{self.address}]:{self.port}' if ':' in self.address else f'{self.address}:{self.port}'

    def next_outcome(self, timeout=OUTCOME_TIMEOUT):
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f'the SIP stand-in forwarded nothing within {timeout} s') from None

    def close(self):
        self.process.terminate()
        try:
            code = self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError('the SIP stand-in did not stop on SIGTERM') from None
        finally:
            self.process.stdout.close()
        if code != 0:
            raise AssertionError(f'the SIP stand-in exited with {code}')


@unittest.skipIf(shutil.which('sipp') is None, 'sipp (Debian sip-tester) is not installed')
class CheckSyncTestCase(RunTestCase):

    def setUp(self):
        super().setUp()
        self.standin = StandIn(self, '127.0.0.1')

    def configure(self, path='/settings.xml', entries=('127.0.0.1',), **switches):
        url = self.server.url(path) if path is not None else ''
        self.apply(provisioning_patch(url, entries, **switches))
        self.recorder.sync()
        self.recorder.clear()

    def notify(self, source='127.0.0.1', event='check-sync', body=None, content_type='application/xml',
               standin=None):
        """sipp sends one NOTIFY from source to the stand-in and must get 200; returns what the
        stand-in forwarded and provisiond answered."""
        standin = standin or self.standin
        scenario = 'check-sync.xml' if body is None else 'check-sync-body.xml'
        command = ['sipp', '-sf', os.path.join(SCENARIOS, scenario), '-m', '1', '-nostdin',
                   '-timeout', f'{SIPP_TIMEOUT}s', '-timeout_error', '-i', source, '-key', 'event', event]
        if body is not None:
            command += ['-key', 'content_type', content_type, '-key', 'body', body.decode('utf-8')]
        command.append(standin.target)
        sipp = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=SIPP_TIMEOUT + 30, cwd=self.daemon.work_dir)
        self.assertEqual(0, sipp.returncode, f'sipp did not get its 200 OK:\n{sipp.stdout}\n{sipp.stderr}')
        return standin.next_outcome()

    def check_sync(self, options):
        harness.call(self.daemon.connection, 'CheckSync',
                     GLib.Variant('(a{sv})', (harness.variant_options(options),)), None)

    def list_generations(self):
        (generations,) = harness.call(self.daemon.connection, 'ListGenerations', None, '(a(ta{sv}))')
        return generations

    def last_check_sync(self):
        return tuple(self.daemon.status()['LastCheckSync'])

    def assertRefused(self, outcome, short_name, reason):
        self.assertEqual(error_name(short_name), outcome['result'], outcome)
        sender, when, accepted, recorded = self.last_check_sync()
        self.assertEqual((outcome['sender'], False), (sender, accepted))
        self.assertGreater(when, 0)
        self.assertIn(reason, recorded)
        self.assertTrue(recorded.startswith(short_name + ': '), recorded)

    def wait_for_run(self, run_id):
        self.recorder.wait_for(lambda rec: rec.run_end(run_id) is not None, 20.0, f'the end of run {run_id}')
        return self.wait_run(run_id)


class AllowlistTest(CheckSyncTestCase):

    def test_allowed_sender_starts_a_run(self):
        self.server.add_document('/settings.xml', telephony_patch(active=False))
        self.configure()

        outcome = self.notify(event='check-sync;reboot=false')

        self.assertEqual(('127.0.0.1', 'check-sync;reboot=false', 'ok'),
                         (outcome['sender'], outcome['event'], outcome['result']))
        run = self.wait_for_run(1)
        self.assertFinished(run, sections_changed=1)
        self.assertEqual(['/settings.xml'], self.server.paths())
        status = self.daemon.status()
        self.assertEqual('check-sync', status['Trigger'])
        sender, when, accepted, reason = tuple(status['LastCheckSync'])
        self.assertEqual(('127.0.0.1', True, 'run 1 started'), (sender, accepted, reason))
        self.assertGreaterEqual(status['LastRunStarted'], when - 1_000_000)

    def test_other_sender_is_refused_and_nothing_is_fetched(self):
        self.server.add_document('/settings.xml', telephony_patch(active=False))
        self.configure(entries=('127.0.0.1', '10.0.0.0/8'))
        stored_before = self.daemon.state_snapshot()

        outcome = self.notify(source='127.0.0.2')

        self.assertRefused(outcome, 'NotAllowed', 'the sender 127.0.0.2 is not on /provisioning/sip/allowlist')
        self.recorder.sync()
        self.assertEqual([], self.server.requests)
        self.assertEqual(0, self.daemon.status()['RunId'])
        self.assertEqual(stored_before, self.daemon.state_snapshot())
        self.assertIn('check-sync from 127.0.0.2: refused: NotAllowed', self.daemon.log_text())

    def test_network_entry_allows_its_addresses(self):
        self.server.add_document('/settings.xml', telephony_patch(active=False))
        self.configure(entries=('127.0.0.128/25', '127.0.0.2/31'))

        self.assertEqual('ok', self.notify(source='127.0.0.3')['result'])
        self.assertFinished(self.wait_for_run(1))

    def test_empty_allowlist_refuses_everyone(self):
        # The factory settings: check-sync is on, but no PBX is trusted yet.
        self.configure(entries=())

        self.assertRefused(self.notify(), 'NotAllowed', 'not on /provisioning/sip/allowlist')
        self.assertEqual([], self.server.requests)

    def test_sip_inactive_is_refused(self):
        self.configure(sip_active=False)

        self.assertRefused(self.notify(), 'NotAllowed', '/provisioning/sip/active')
        self.recorder.sync()
        self.assertEqual([], self.server.requests)
        self.assertEqual(0, self.daemon.status()['RunId'])

    def test_provisioning_inactive_is_refused(self):
        self.configure(active=False)

        self.assertRefused(self.notify(), 'NotAllowed', '/provisioning/active')
        self.recorder.sync()
        self.assertEqual([], self.server.requests)
        self.assertEqual(0, self.daemon.status()['RunId'])

    def test_ipv6_sender(self):
        standin = StandIn(self, '::1')
        self.server.add_document('/settings.xml', telephony_patch(active=False))
        self.configure(entries=('[::1]',))

        outcome = self.notify(source='::1', standin=standin)

        self.assertEqual(('::1', 'ok'), (outcome['sender'], outcome['result']))
        self.assertFinished(self.wait_for_run(1))
        self.assertEqual(['/settings.xml'], self.server.paths())

    def test_ipv6_sender_not_on_the_list_is_refused(self):
        standin = StandIn(self, '::1')
        self.configure(entries=('::2', '127.0.0.1'))

        self.assertRefused(self.notify(source='::1', standin=standin), 'NotAllowed', 'the sender ::1 ')
        self.assertEqual([], self.server.requests)

    def test_ipv4_mapped_sender_matches_an_ipv4_entry(self):
        # A dual-stack socket sees the IPv4 PBX as ::ffff:127.0.0.1.
        standin = StandIn(self, '::ffff:127.0.0.1')
        self.server.add_document('/settings.xml', telephony_patch(active=False))
        self.configure(entries=('127.0.0.1',))

        outcome = self.notify(standin=standin)

        self.assertEqual(('::ffff:127.0.0.1', 'ok'), (outcome['sender'], outcome['result']))
        self.assertFinished(self.wait_for_run(1))


class BodyTest(CheckSyncTestCase):

    def test_body_with_a_notify_sync_url_runs_from_that_url(self):
        self.server.add_document('/settings.xml', telephony_patch(active=True))
        self.server.add_document(f'/pushed/{MAC_IN_URLS}.xml', telephony_patch(active=False))
        self.configure()

        outcome = self.notify(body=notify_sync(self.server.url('/pushed/{mac}.xml')))

        self.assertEqual('ok', outcome['result'], outcome)
        run = self.wait_for_run(1)
        self.assertFinished(run, sections_changed=1)
        self.assertEqual([f'/pushed/{MAC_IN_URLS}.xml'], self.server.paths())
        status = self.daemon.status()
        self.assertEqual(self.server.url('/pushed/{mac}.xml'), status['Url'])
        self.assertEqual(f'run 1 started from {self.server.url("/pushed/{mac}.xml")}', status['LastCheckSync'][3])

    def test_notify_sync_run_counts_under_check_sync_in_the_run_history(self):
        self.server.add_document('/pushed.xml', telephony_patch(active=False))
        self.configure(path=None)

        self.check_sync({'sender': '127.0.0.1', 'body': notify_sync(self.server.url('/pushed.xml')).decode()})

        self.assertFinished(self.wait_for_run(1), sections_changed=1)
        stats = self.daemon.get_property('SourceStats')['check-sync']
        self.assertEqual((1, 1, 0, 'success', 200, self.server.url('/pushed.xml')),
                         tuple(stats[key] for key in
                               ('Runs', 'Successes', 'Failures', 'LastResult', 'LastHttpStatus', 'LastUrl')))
        (runs,) = harness.call(self.daemon.connection, 'ListRuns', None, '(a(ta{sv}))')
        self.assertEqual(('check-sync', 'check-sync'), (runs[-1][1]['Trigger'], runs[-1][1]['Source']))
        info = self.list_generations()[-1][1]
        self.assertEqual(('check-sync', 'check-sync', self.server.url('/pushed.xml'), 1),
                         (info['trigger'], info['source'], info['url'], info['run_id']))

    def test_notify_sync_without_a_url_runs_from_the_configured_one(self):
        self.server.add_document('/settings.xml', telephony_patch(active=False))
        self.configure()

        body = b'<notifySync><checkSync><dataAvailable>true</dataAvailable></checkSync></notifySync>'
        self.assertEqual('ok', self.notify(body=body)['result'])
        self.assertFinished(self.wait_for_run(1))
        self.assertEqual(['/settings.xml'], self.server.paths())

    def test_body_with_a_snippet_is_applied(self):
        self.configure()

        outcome = self.notify(body=telephony_patch(active=False))

        self.assertEqual('ok', outcome['result'], outcome)
        self.recorder.sync()
        self.assertEqual([(0, 'telephony', harness.current_section_versions()['telephony'], 'merge')],
                         self.recorder.named('SectionApplied'))
        backup = self.daemon.backup_sections(['telephony'])['telephony']
        self.assertEqual('false', backup.find('callWaiting/active').text)
        self.assertEqual('applied the body: telephony (merge)', self.last_check_sync()[3])
        self.assertEqual([], self.server.requests, 'a snippet starts no run')
        info = self.list_generations()[-1][1]
        self.assertEqual(('check-sync', 'check-sync', '', 0, ['telephony']),
                         (info['trigger'], info['source'], info['url'], info['run_id'], info['sections']))
        self.assertEqual(0, self.daemon.status()['RunId'])

    def test_operations_snippet_is_applied(self):
        self.configure()
        body = (b'<operations><replace path="/telephony/callWaiting/active"><active>false</active></replace>'
                b'</operations>')

        self.assertEqual('ok', self.notify(body=body)['result'])
        backup = self.daemon.backup_sections(['telephony'])['telephony']
        self.assertEqual('false', backup.find('callWaiting/active').text)

    def test_reference_snippet_is_refused(self):
        self.configure()
        stored_before = self.daemon.state_snapshot()
        body = f'<referencedSettings><URL>{self.server.url("/settings.xml")}</URL></referencedSettings>'

        outcome = self.notify(body=body.encode('utf-8'))

        self.assertRefused(outcome, 'ReferenceNotAllowed', '')
        self.assertEqual(stored_before, self.daemon.state_snapshot())
        self.assertEqual([], self.server.requests)

    def test_garbage_body_is_invalid_file(self):
        self.configure()
        stored_before = self.daemon.state_snapshot()

        self.assertRefused(self.notify(body=b'reboot now', content_type='text/plain'), 'InvalidFile', '')
        self.assertRefused(self.notify(body=b'<html><body>hi</body></html>'), 'InvalidFile', 'html')
        self.assertEqual(stored_before, self.daemon.state_snapshot())
        self.assertEqual(0, self.daemon.status()['RunId'])

    def test_invalid_snippet_is_validation_and_changes_nothing(self):
        self.configure()
        stored_before = self.daemon.state_snapshot()
        body = b'<identities><identity><registrarPort>99999</registrarPort></identity></identities>'

        self.assertRefused(self.notify(body=body), 'Validation', 'identities')
        self.assertEqual(stored_before, self.daemon.state_snapshot())

    def test_snippet_from_a_sender_not_allowed_is_not_applied(self):
        self.configure()
        stored_before = self.daemon.state_snapshot()

        self.assertRefused(self.notify(source='127.0.0.2', body=telephony_patch(active=False)), 'NotAllowed',
                           '127.0.0.2')
        self.assertEqual(stored_before, self.daemon.state_snapshot())
        self.assertEqual([], self.recorder.named('SectionApplied'))


class RunTest(CheckSyncTestCase):

    def test_reboot_true_does_not_reboot(self):
        self.server.add_document('/settings.xml', telephony_patch(active=False))
        self.configure()
        pid = self.daemon.pid

        outcome = self.notify(event='check-sync;reboot=true')

        self.assertEqual('ok', outcome['result'])
        self.assertFinished(self.wait_for_run(1), sections_changed=1)
        self.assertEqual(['/settings.xml'], self.server.paths())
        self.assertIsNone(self.daemon.process.poll(), 'provisiond exited')
        self.assertEqual(pid, harness.name_owner_pid(self.daemon.connection))
        self.assertIn('ignoring the event parameter reboot=true', self.daemon.log_text())

    def test_notifies_during_a_run_coalesce_into_one_follow_up(self):
        self.server.add('/slow.xml', hang=True)
        self.server.add_document('/settings.xml', telephony_patch(active=False))
        self.configure()
        active = self.start_run(self.server.url('/slow.xml'))
        self.server.wait_for_request('/slow.xml')

        for _ in range(3):
            self.assertEqual('ok', self.notify()['result'])
            self.assertEqual(f'a run queued after run {active}', self.last_check_sync()[3])
        self.assertEqual(active, self.daemon.status()['RunId'])
        self.assertEqual(['/slow.xml'], self.server.paths(), 'a check-sync joined or started a run')

        self.daemon.cancel()
        self.assertEqual('Failed', self.wait_for_run(active).member)
        follow_up = self.wait_for_run(active + 1)

        self.assertFinished(follow_up, sections_changed=1)
        self.recorder.sync()
        status = self.daemon.status()
        self.assertEqual((active + 1, 'check-sync', 'idle'), (status['RunId'], status['Trigger'], status['State']))
        self.assertEqual(['/slow.xml', '/settings.xml'], self.server.paths())
        # The one follow-up: queued once, replaced by the later two (the log says so as it happens).
        log = self.daemon.log_text()
        self.assertEqual((1, 2), (log.count('check-sync follow-up queued'), log.count('replaces the one already')))

    def test_snippet_during_a_run_is_applied_at_once_and_queues_nothing(self):
        self.server.add('/slow.xml', hang=True)
        self.configure()
        active = self.start_run(self.server.url('/slow.xml'))
        self.server.wait_for_request('/slow.xml')

        self.assertEqual('ok', self.notify(body=telephony_patch(active=False))['result'])

        backup = self.daemon.backup_sections(['telephony'])['telephony']
        self.assertEqual('false', backup.find('callWaiting/active').text)
        self.assertEqual('running', self.daemon.status()['State'])
        self.daemon.cancel()
        self.wait_for_run(active)
        self.recorder.sync()
        status = self.daemon.status()
        self.assertEqual((active, 'idle'), (status['RunId'], status['State']), 'a follow-up run started')
        self.assertNotIn('follow-up', self.daemon.log_text())

    def test_the_latest_check_sync_decides_the_follow_up(self):
        self.server.add_document('/settings.xml', telephony_patch(active=True))
        self.server.add_document('/pushed.xml', telephony_patch(active=False))
        self.server.add('/first.xml', hang=True)
        self.configure()
        active = self.start_run(self.server.url('/first.xml'))
        self.server.wait_for_request('/first.xml')

        self.check_sync({'sender': '127.0.0.1'})
        self.check_sync({'sender': '127.0.0.1', 'body': notify_sync(self.server.url('/pushed.xml')).decode()})
        self.assertEqual(f'a run from {self.server.url("/pushed.xml")} queued after run {active}',
                         self.last_check_sync()[3])

        self.daemon.cancel()
        self.wait_for_run(active)
        self.assertFinished(self.wait_for_run(active + 1), sections_changed=1)
        self.recorder.sync()
        self.assertEqual(active + 1, self.daemon.status()['RunId'])
        self.assertEqual(['/first.xml', '/pushed.xml'], self.server.paths())


class OptionsTest(CheckSyncTestCase):
    """What the SIP stack must pass; the calls go to the bus directly."""

    def test_before_the_first_check_sync(self):
        self.assertEqual(NOT_YET, self.last_check_sync())
        self.assertEqual(NOT_YET, tuple(self.daemon.get_property('LastCheckSync')))

    def test_last_check_sync_is_a_property_with_properties_changed(self):
        self.configure(entries=())
        with self.assertDBusError(NOT_ALLOWED):
            self.check_sync({'sender': '192.0.2.7', 'event': 'check-sync'})
        self.recorder.sync()

        changed = [args[1]['LastCheckSync'] for args in self.recorder.named('PropertiesChanged')
                   if 'LastCheckSync' in args[1]]
        self.assertEqual(1, len(changed))
        self.assertEqual(tuple(changed[0]), tuple(self.daemon.get_property('LastCheckSync')))
        sender, when, accepted, reason = tuple(changed[0])
        self.assertEqual(('192.0.2.7', False), (sender, accepted))
        self.assertGreater(when, 0)
        self.assertTrue(reason.startswith('NotAllowed: '), reason)

    def test_unknown_option_is_invalid_args(self):
        self.configure()
        with self.assertDBusError(INVALID_ARGS):
            self.check_sync({'sender': '127.0.0.1', 'reboot': 'true'})
        self.assertEqual(NOT_YET, self.last_check_sync())
        self.assertEqual(0, self.daemon.status()['RunId'])

    def test_sender_is_required(self):
        self.configure()
        with self.assertDBusError(INVALID_ARGS):
            self.check_sync({'event': 'check-sync'})
        with self.assertDBusError(INVALID_ARGS):
            self.check_sync({'sender': ''})

    def test_options_of_the_wrong_type_are_invalid_args(self):
        self.configure()
        for options in ({'sender': GLib.Variant('u', 1)},
                        {'sender': '127.0.0.1', 'event': GLib.Variant('as', ['check-sync'])},
                        {'sender': '127.0.0.1', 'content_type': GLib.Variant('b', True)},
                        {'sender': '127.0.0.1', 'body': GLib.Variant('au', [1])}):
            with self.assertDBusError(INVALID_ARGS):
                self.check_sync(options)
        self.assertEqual(0, self.daemon.status()['RunId'])

    def test_other_event_is_invalid_args(self):
        self.configure()
        with self.assertDBusError(INVALID_ARGS) as refused:
            self.check_sync({'sender': '127.0.0.1', 'event': 'ua-profile;reboot=true'})
        self.assertIn('ua-profile', refused['message'])
        self.assertEqual(0, self.daemon.status()['RunId'])

    def test_body_as_a_string(self):
        self.configure()
        self.check_sync({'sender': '127.0.0.1', 'body': telephony_patch(active=False).decode('utf-8'),
                         'content_type': 'application/xml'})
        backup = self.daemon.backup_sections(['telephony'])['telephony']
        self.assertEqual('false', backup.find('callWaiting/active').text)

    def test_body_over_max_file_size_is_invalid_file(self):
        self.configure()
        stored_before = self.daemon.state_snapshot()
        body = telephony_patch(active=False) + b'<!--' + b'.' * (4 * 1024 * 1024) + b'-->'

        with self.assertDBusError(error_name('InvalidFile')) as refused:
            self.check_sync({'sender': '127.0.0.1', 'body': GLib.Variant('ay', body)})

        self.assertIn('MaxFileSize', refused['message'])
        self.assertEqual(stored_before, self.daemon.state_snapshot())

    def test_sender_longer_than_the_option_cap_is_invalid_args(self):
        with self.assertDBusError(INVALID_ARGS):
            self.check_sync({'sender': 'a' * 8193})


class ProvisionctlCheckSyncTest(CheckSyncTestCase):
    """provisionctl check-sync and what provisionctl status says about it."""

    def provisionctl(self, *args):
        return subprocess.run([harness.provisionctl_binary(), '--system', *args], stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=60)

    def test_check_sync_starts_a_run_and_says_so(self):
        self.server.add_document('/settings.xml', telephony_patch(active=False))
        self.configure()

        result = self.provisionctl('check-sync', '--sender', '127.0.0.1', '--event', 'check-sync;reboot=false')

        self.assertEqual((0, 'run 1 started\n'), (result.returncode, result.stdout), result.stderr)
        self.assertFinished(self.wait_for_run(1))
        status = self.provisionctl('status')
        self.assertRegex(status.stdout, r'(?m)^ *Last check-sync: accepted from 127\.0\.0\.1 at '
                                        r'[0-9]{4}-[0-9]{2}-[0-9]{2}T[^ ]*: run 1 started$')

    def test_refused_check_sync_exits_1_with_the_error_name(self):
        self.configure()

        result = self.provisionctl('check-sync', '--sender', '127.0.0.2')

        self.assertEqual(1, result.returncode)
        self.assertIn(f'{NOT_ALLOWED}: the sender 127.0.0.2 is not on /provisioning/sip/allowlist', result.stderr)
        status = self.provisionctl('status')
        self.assertRegex(status.stdout, r'(?m)^ *Last check-sync: refused from 127\.0\.0\.2 at [^ ]*: '
                                        r'NotAllowed: the sender 127\.0\.0\.2 is not on')
        self.assertEqual([], self.server.requests)

    def test_check_sync_with_a_body_file(self):
        self.configure()
        path = self.daemon.scratch_file(telephony_patch(active=False))

        result = self.provisionctl('check-sync', '--sender', '127.0.0.1', '--body-file', path)

        self.assertEqual((0, 'applied the body: telephony (merge)\n'), (result.returncode, result.stdout),
                         result.stderr)
        backup = self.daemon.backup_sections(['telephony'])['telephony']
        self.assertEqual('false', backup.find('callWaiting/active').text)

    def test_check_sync_without_a_sender_is_a_usage_error(self):
        result = self.provisionctl('check-sync')
        self.assertEqual(2, result.returncode)
        self.assertIn('--sender', result.stderr)

    def test_status_before_any_check_sync(self):
        self.assertRegex(self.provisionctl('status').stdout, r'(?m)^ *Last check-sync: none$')

    def test_status_json_has_last_check_sync_as_an_object(self):
        self.configure(entries=())
        self.provisionctl('check-sync', '--sender', '192.0.2.1')

        status = json.loads(self.provisionctl('status', '--json').stdout)

        last = status['LastCheckSync']
        self.assertEqual(('192.0.2.1', False), (last['sender'], last['accepted']))
        self.assertEqual(tuple(self.daemon.status()['LastCheckSync']),
                         (last['sender'], last['time'], last['accepted'], last['reason']))


if __name__ == '__main__':
    harness.main()
