# SPDX-License-Identifier: LGPL-2.1-or-later
"""Run history (docs/dbus-api.md, "Run history"): SourceStats per URL source as a
property (not in GetStatus, which the status screen polls), ListRuns with the last runs, both kept across a
daemon restart in STATE_DIR/runs/history, URLs without credentials; and what
provisionctl status and provisionctl history --runs make of them."""

import json
import os
import subprocess
import unittest

import harness
from run_case import RunTestCase, provisioning_document, reference_document, telephony_patch

SOURCES = ['manual', 'configured', 'dhcp', 'redirect', 'multicast', 'check-sync']


def source_stats(daemon):
    return daemon.get_property('SourceStats')


def list_runs(daemon):
    (runs,) = harness.call(daemon.connection, 'ListRuns', None, '(a(ta{sv}))')
    return runs


class RunHistoryTest(RunTestCase):

    def setUp(self):
        super().setUp()
        self.server.add_document('/prov/index.xml', reference_document('telephony.xml'), etag='"i"')
        self.server.add_document('/prov/telephony.xml', telephony_patch(active=False), etag='"t"')
        self.url = self.server.url('/prov/index.xml')

    def provisionctl(self, *args):
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=harness.bus_address(), LC_ALL='C.UTF-8')
        return subprocess.run([harness.provisionctl_binary(), *args], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, timeout=30)

    def test_every_source_is_listed_before_any_run(self):
        self.assertNotIn('SourceStats', self.daemon.status())
        stats = source_stats(self.daemon)
        self.assertEqual(SOURCES, list(stats))
        self.assertEqual({'Runs': 0, 'Successes': 0, 'Failures': 0, 'LastResult': 'none',
                          'LastHttpStatus': 0, 'LastUrl': '', 'LastRun': 0}, stats['dhcp'])
        self.assertEqual([], list_runs(self.daemon))

    def test_per_source_counters_and_last_http_status(self):
        self.assertFinished(self.provision(self.url))
        self.assertFinished(self.provision(self.url))
        self.assertEqual('Failed', self.provision(self.server.url('/missing.xml')).member)
        self.daemon.apply(provisioning_document(url=self.url))
        self.assertFinished(self.provision())

        stats = source_stats(self.daemon)
        self.assertEqual((3, 2, 1, 'failed', 404, self.server.url('/missing.xml')),
                         tuple(stats['manual'][key] for key in
                               ('Runs', 'Successes', 'Failures', 'LastResult', 'LastHttpStatus', 'LastUrl')))
        self.assertEqual((1, 1, 0, 'success', 304),
                         tuple(stats['configured'][key] for key in
                               ('Runs', 'Successes', 'Failures', 'LastResult', 'LastHttpStatus')))
        self.assertEqual(0, stats['dhcp']['Runs'])

    def test_run_whose_url_no_source_found_counts_in_no_source(self):
        # The factory defaults have an empty /provisioning/url and no other source is set up.
        self.assertEqual('Failed', self.provision(None).member)

        runs = list_runs(self.daemon)
        self.assertEqual(('', 'failed', harness.ERROR_PREFIX + 'NoSource'),
                         (runs[0][1]['Source'], runs[0][1]['Result'], runs[0][1]['Error']))
        stats = source_stats(self.daemon)
        self.assertEqual(SOURCES, list(stats))
        self.assertEqual([0] * len(SOURCES), [stats[source]['Runs'] for source in SOURCES])

    def test_list_runs_tells_trigger_source_files_bytes_and_304s(self):
        first = self.provision(self.url, trigger='boot')
        second = self.provision(self.url)

        runs = list_runs(self.daemon)
        self.assertEqual([1, 2], [number for number, _ in runs])
        one, two = (details for _, details in runs)
        self.assertEqual((first.run_id, 'boot', 'manual', self.url, 'success', '', 2, 0, 200, 1),
                         (one['RunId'], one['Trigger'], one['Source'], one['Url'], one['Result'], one['Error'],
                          one['Files'], one['NotModified'], one['HttpStatus'], one['SectionsChanged']))
        self.assertGreater(one['Bytes'], 0)
        self.assertEqual((second.run_id, 'manual', 2, 2, 0, 304, 0),
                         (two['RunId'], two['Trigger'], two['Files'], two['NotModified'], two['Bytes'],
                          two['HttpStatus'], two['SectionsChanged']))
        self.assertLessEqual(one['Started'], two['Started'])

    def test_cancelled_run_is_recorded_as_cancelled_and_counts_as_a_failure(self):
        slow = telephony_patch(active=False) + b'<!--' + b'.' * 4096 + b'-->'
        self.server.add('/slow.xml', body=slow, drip=(16, 0.1))
        run_id = self.start_run(self.server.url('/slow.xml'))
        self.server.wait_for_request('/slow.xml')
        self.daemon.cancel()
        self.wait_run(run_id)

        runs = list_runs(self.daemon)
        self.assertEqual((run_id, 'cancelled', harness.ERROR_PREFIX + 'Cancelled'),
                         (runs[0][1]['RunId'], runs[0][1]['Result'], runs[0][1]['Error']))
        manual = source_stats(self.daemon)['manual']
        self.assertEqual((1, 0, 1, 'cancelled'),
                         tuple(manual[key] for key in ('Runs', 'Successes', 'Failures', 'LastResult')))

    def test_urls_in_the_history_carry_no_credentials(self):
        url = self.server.url('/prov/index.xml', userinfo='admin:s3cret')
        self.provision(url)

        runs = list_runs(self.daemon)
        stats = source_stats(self.daemon)
        self.assertNotIn('s3cret', repr(runs) + repr(stats))
        with open(os.path.join(self.daemon.state_dir, 'runs', 'history'), encoding='utf-8') as f:
            self.assertNotIn('s3cret', f.read())
        self.assertEqual(self.url, runs[0][1]['Url'])

    def test_history_survives_a_restart_and_numbers_go_on(self):
        self.assertFinished(self.provision(self.url))
        self.assertEqual('Failed', self.provision(self.server.url('/missing.xml')).member)
        before_runs = list_runs(self.daemon)
        before_stats = source_stats(self.daemon)

        self.daemon.restart()

        self.assertEqual(before_runs, list_runs(self.daemon))
        self.assertEqual(before_stats, source_stats(self.daemon))
        self.recorder = harness.SignalRecorder()
        self.addCleanup(self.recorder.close)
        self.assertFinished(self.provision(self.url))
        runs = list_runs(self.daemon)
        self.assertEqual([1, 2, 3], [number for number, _ in runs])
        self.assertEqual(1, runs[2][1]['RunId'], 'run ids restart with the daemon, entry numbers do not')
        self.assertEqual(3, source_stats(self.daemon)['manual']['Runs'])

    def test_a_damaged_history_file_starts_an_empty_history(self):
        self.assertFinished(self.provision(self.url))
        self.daemon.stop()
        with open(os.path.join(self.daemon.state_dir, 'runs', 'history'), 'wb') as f:
            f.write(b'\x00\xff not a key file [')
        self.daemon.start()

        self.assertEqual([], list_runs(self.daemon))
        self.assertEqual(0, source_stats(self.daemon)['manual']['Runs'])

    def test_at_most_50_runs_are_kept(self):
        for _ in range(53):
            self.provision(self.server.url('/missing.xml'))

        runs = list_runs(self.daemon)
        self.assertEqual(list(range(4, 54)), [number for number, _ in runs])
        self.assertEqual(53, source_stats(self.daemon)['manual']['Failures'])

    def test_provisionctl_status_tells_the_sources_in_words(self):
        self.assertFinished(self.provision(self.url))
        self.provision(self.server.url('/missing.xml'))

        result = self.provisionctl('status')

        self.assertEqual(0, result.returncode, result.stderr)
        self.assertIn(f'manual: 2 runs, 1 succeeded, 1 failed; last failed (HTTP 404) from '
                      f'{self.server.url("/missing.xml")}', result.stdout)
        self.assertNotIn('dhcp:', result.stdout)

    def test_provisionctl_status_json_has_the_source_stats(self):
        self.provision(self.server.url('/missing.xml'))

        result = self.provisionctl('status', '--json')

        self.assertEqual(0, result.returncode, result.stderr)
        document = json.loads(result.stdout)
        self.assertEqual('idle', document['State'])
        self.assertEqual({'Runs': 1, 'Successes': 0, 'Failures': 1, 'LastResult': 'failed', 'LastHttpStatus': 404},
                         {key: document['SourceStats']['manual'][key] for key in
                          ('Runs', 'Successes', 'Failures', 'LastResult', 'LastHttpStatus')})

    def test_provisionctl_history_runs_shows_the_table_and_json(self):
        self.assertFinished(self.provision(self.url, trigger='boot'))
        self.provision(self.server.url('/missing.xml'))

        table = self.provisionctl('history', '--runs')
        as_json = self.provisionctl('history', '--runs', '--json')

        self.assertEqual(0, table.returncode, table.stderr)
        lines = table.stdout.splitlines()
        self.assertEqual(3, len(lines))
        self.assertIn('SOURCE', lines[0])
        self.assertIn('boot', lines[1])
        self.assertIn('success', lines[1])
        self.assertIn(self.url, lines[1])
        self.assertIn('failed: Download', lines[2])
        self.assertIn(' 404 ', lines[2])
        runs = json.loads(as_json.stdout)
        self.assertEqual([1, 2], [run['number'] for run in runs])
        self.assertEqual(['success', 'failed'], [run['Result'] for run in runs])
        self.assertEqual(harness.ERROR_PREFIX + 'Download', runs[1]['Error'])


if __name__ == '__main__':
    unittest.main(verbosity=2)
