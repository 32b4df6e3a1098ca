# SPDX-License-Identifier: LGPL-2.1-or-later
"""Conditional downloads (docs/provisioning-files.md, "Conditional downloads"):
the daemon remembers ETag and Last-Modified per URL in STATE_DIR/cache/, asks
with If-None-Match / If-Modified-Since, reuses the stored body on a 304, and a
run over unchanged files with untouched settings applies nothing."""

import os
import unittest

import harness
from run_case import RunTestCase, reference_document, settings_leaves, telephony_patch

UNCHANGED_LOG = 'nothing parsed or applied'


def timezone_patch(zone):
    return (f'<?xml version="1.0" encoding="UTF-8"?><configuration><time>'
            f'<timezone>{zone}</timezone></time></configuration>').encode('utf-8')


class ConditionalServerMixin:
    """Three files: a reference (ETag), a patch (ETag), a patch (Last-Modified)."""

    def setUp(self):
        super().setUp()
        self.server.add_document('/prov/index.xml',
                                 reference_document('telephony.xml', 'time.xml'), etag='"index-1"')
        self.server.add_document('/prov/telephony.xml', telephony_patch(active=False), etag='"tel-1"')
        self.server.add_document('/prov/time.xml', timezone_patch('Europe/Vienna'),
                                 last_modified='Mon, 30 Nov 2026 10:00:00 GMT')
        self.url = self.server.url('/prov/index.xml')

    def cache_dir(self):
        return os.path.join(self.daemon.state_dir, 'cache')

    def entries(self):
        return sorted(name for name in os.listdir(self.cache_dir()) if name.endswith('.entry'))


class ConditionalDownloadTest(ConditionalServerMixin, RunTestCase):

    def test_second_run_over_unchanged_files_transfers_headers_only_and_applies_nothing(self):
        first = self.provision(self.url)
        self.assertFinished(first, sections_changed=2)
        self.assertEqual(3, len(self.entries()))
        settings = self.daemon.settings_bytes()
        self.server.clear()
        log_before = self.daemon.log_text()

        second = self.provision(self.url)

        self.assertFinished(second, sections_changed=0)
        requests = self.server.requests
        self.assertEqual(['/prov/index.xml', '/prov/telephony.xml', '/prov/time.xml'],
                         [request.path for request in requests])
        self.assertEqual(['"index-1"', '"tel-1"', None], [r.header('If-None-Match') for r in requests])
        self.assertEqual([None, None, 'Mon, 30 Nov 2026 10:00:00 GMT'],
                         [r.header('If-Modified-Since') for r in requests])
        status = self.daemon.status()
        self.assertEqual(3, status['FilesFetched'])
        self.assertEqual(0, status['BytesFetched'], 'every answer was a 304 without a body')
        self.assertEqual([], list(status['LastWarnings']))
        self.assertEqual(settings, self.daemon.settings_bytes())
        self.assertIn(UNCHANGED_LOG, self.daemon.log_text()[len(log_before):])
        self.assertIn(('applying', 75, 'unchanged since the last run: nothing to apply'), second.progress)

    def test_a_changed_file_is_fetched_and_applied(self):
        self.assertFinished(self.provision(self.url), sections_changed=2)
        self.server.add_document('/prov/time.xml', timezone_patch('Europe/Berlin'),
                                 last_modified='Tue, 01 Dec 2026 10:00:00 GMT')
        self.server.clear()

        outcome = self.provision(self.url)

        self.assertFinished(outcome, sections_changed=1)
        self.assertEqual('time', outcome.section_applied[0][0])
        self.assertEqual('Europe/Berlin', settings_leaves(self.daemon)['time/timezone'])
        # The unchanged file came from the cache (304) and was applied again.
        self.assertEqual('false', settings_leaves(self.daemon)['telephony/callWaiting/active'])
        self.assertGreater(self.daemon.status()['BytesFetched'], 0)
        # The next run: all unchanged again, against the new validators.
        self.server.clear()
        self.assertFinished(self.provision(self.url), sections_changed=0)
        self.assertEqual('Tue, 01 Dec 2026 10:00:00 GMT',
                         self.server.requests_for('/prov/time.xml')[0].header('If-Modified-Since'))
        self.assertEqual(0, self.daemon.status()['BytesFetched'])

    def test_a_local_change_in_between_is_undone_by_the_cached_bodies(self):
        self.assertFinished(self.provision(self.url), sections_changed=2)
        self.daemon.apply(timezone_patch('Asia/Tokyo'))
        self.assertEqual('Asia/Tokyo', settings_leaves(self.daemon)['time/timezone'])
        self.server.clear()

        outcome = self.provision(self.url)

        self.assertFinished(outcome, sections_changed=1)
        self.assertEqual('Europe/Vienna', settings_leaves(self.daemon)['time/timezone'])
        self.assertEqual(0, self.daemon.status()['BytesFetched'], 'the bodies came from the cache')

    def test_a_server_that_ignores_conditional_headers_works_as_before(self):
        for path in ('/prov/index.xml', '/prov/telephony.xml', '/prov/time.xml'):
            self.server.routes[path].honour_conditional = False
        self.assertFinished(self.provision(self.url), sections_changed=2)
        first_bytes = self.daemon.status()['BytesFetched']
        self.daemon.apply(telephony_patch(active=True))
        self.server.clear()

        outcome = self.provision(self.url)

        self.assertFinished(outcome, sections_changed=1)
        self.assertEqual('"tel-1"', self.server.requests_for('/prov/telephony.xml')[0].header('If-None-Match'))
        self.assertEqual(first_bytes, self.daemon.status()['BytesFetched'])
        self.assertEqual('false', settings_leaves(self.daemon)['telephony/callWaiting/active'])

    def test_a_server_without_validators_is_fetched_in_full_and_nothing_is_cached(self):
        self.server.add_document('/plain/index.xml', reference_document('telephony.xml'))
        self.server.add_document('/plain/telephony.xml', telephony_patch(active=False))
        url = self.server.url('/plain/index.xml')
        self.assertFinished(self.provision(url), sections_changed=1)
        first_bytes = self.daemon.status()['BytesFetched']
        self.server.clear()

        outcome = self.provision(url)

        self.assertFinished(outcome, sections_changed=0)
        self.assertEqual([None, None], [r.header('If-None-Match') for r in self.server.requests])
        self.assertEqual([None, None], [r.header('If-Modified-Since') for r in self.server.requests])
        self.assertEqual(first_bytes, self.daemon.status()['BytesFetched'])
        self.assertEqual([], self.entries())

    def test_a_damaged_cache_entry_means_a_full_download(self):
        self.assertFinished(self.provision(self.url), sections_changed=2)
        for name in self.entries():
            path = os.path.join(self.cache_dir(), name)
            with open(path, 'r+b') as f:
                f.seek(os.path.getsize(path) - 5)
                f.write(b'XXXXX')
        self.daemon.apply(timezone_patch('Asia/Tokyo'))
        self.server.clear()

        outcome = self.provision(self.url)

        self.assertFinished(outcome, sections_changed=1)
        self.assertEqual([None, None, None], [r.header('If-None-Match') for r in self.server.requests])
        self.assertEqual('Europe/Vienna', settings_leaves(self.daemon)['time/timezone'])
        self.assertGreater(self.daemon.status()['BytesFetched'], 0)

    def test_entries_of_files_no_longer_fetched_are_removed_after_a_successful_run(self):
        self.assertFinished(self.provision(self.url), sections_changed=2)
        self.server.add_document('/other/telephony.xml', telephony_patch(active=True), etag='"other"')

        self.assertFinished(self.provision(self.server.url('/other/telephony.xml')), sections_changed=1)

        self.assertEqual(1, len(self.entries()))

    def test_new_validators_of_a_304_are_stored_and_sent_next_time(self):
        # RFC 9110 §15.4.5 / RFC 9111 §4.3.4: the validators of a 304 replace the stored ones.
        self.assertFinished(self.provision(self.url), sections_changed=2)
        # Same bodies, new validators: time.xml (asked by Last-Modified) now has an ETag,
        # telephony.xml (asked by ETag) a new Last-Modified.
        self.server.add_document('/prov/time.xml', timezone_patch('Europe/Vienna'), etag='"time-2"',
                                 last_modified='Mon, 30 Nov 2026 10:00:00 GMT')
        self.server.add_document('/prov/telephony.xml', telephony_patch(active=False), etag='"tel-1"',
                                 last_modified='Tue, 01 Dec 2026 08:00:00 GMT')
        self.server.clear()
        self.assertFinished(self.provision(self.url), sections_changed=0)
        self.assertEqual(0, self.daemon.status()['BytesFetched'], 'the second run got 304s only')
        self.server.clear()

        self.assertFinished(self.provision(self.url), sections_changed=0)

        time_request = self.server.requests_for('/prov/time.xml')[0]
        self.assertEqual('"time-2"', time_request.header('If-None-Match'))
        self.assertEqual('Mon, 30 Nov 2026 10:00:00 GMT', time_request.header('If-Modified-Since'))
        telephony_request = self.server.requests_for('/prov/telephony.xml')[0]
        self.assertEqual('"tel-1"', telephony_request.header('If-None-Match'))
        self.assertEqual('Tue, 01 Dec 2026 08:00:00 GMT', telephony_request.header('If-Modified-Since'))
        index_request = self.server.requests_for('/prov/index.xml')[0]
        self.assertEqual('"index-1"', index_request.header('If-None-Match'))
        self.assertIsNone(index_request.header('If-Modified-Since'))
        self.assertEqual(0, self.daemon.status()['BytesFetched'])



class CacheSizeTest(ConditionalServerMixin, RunTestCase):
    limits = {'MaxCacheSize': 300}

    def test_the_cache_keeps_no_more_than_max_cache_size(self):
        self.assertFinished(self.provision(self.url), sections_changed=2)
        sizes = [len(self.server.routes[path].body) for path in
                 ('/prov/index.xml', '/prov/telephony.xml', '/prov/time.xml')]
        self.assertLess(sizes[0], 300)
        self.assertGreater(sum(sizes), 300)
        self.assertLess(len(self.entries()), 3)


if __name__ == '__main__':
    unittest.main(verbosity=2)
