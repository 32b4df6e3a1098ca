# SPDX-License-Identifier: LGPL-2.1-or-later
"""Reference documents in provisioning runs: the seed's example end to end
(relative, absolute-path, other-host and marker URLs), chains of references,
markers, and the bounds: cycles, depth and the number of files."""

import harness
import run_case
from run_case import (MAC_IN_URLS, SERIAL, DEVICE_TYPE, FILE_K_OF_N, STAGES, RunTestCase,
                      reference_document, runs_fixture, settings_leaves, telephony_patch)


class SeedReferenceExampleTest(RunTestCase):
    """http://P/prov/references.xml lists first_file.xml, /second_file.xml,
    http://Q/third_file.xml (the other server) and prov.py?mac=<MACADR>."""

    def setUp(self):
        super().setUp()
        self.versions = harness.current_section_versions()
        other_host = f'127.0.0.1:{self.other_server.port}'
        self.bodies = {
            '/prov/references.xml': runs_fixture('seed/references.xml', OTHER_HOST=other_host),
            '/prov/first_file.xml': runs_fixture('seed/first_file.xml'),
            '/second_file.xml': runs_fixture('seed/second_file.xml'),
            '/prov/prov.py': runs_fixture('seed/prov.py.xml'),
        }
        for path, body in self.bodies.items():
            self.server.add_document(path, body)
        self.third = runs_fixture('seed/third_file.xml')
        self.other_server.add_document('/third_file.xml', self.third)
        self.url = self.server.url('/prov/references.xml')
        self.fetched_urls = [self.server.url('/prov/references.xml'),
                             self.server.url('/prov/first_file.xml'),
                             self.server.url('/second_file.xml'),
                             self.other_server.url('/third_file.xml'),
                             self.server.url(f'/prov/prov.py?mac={MAC_IN_URLS}')]

    def test_seed_urls_resolve_as_documented_and_load_in_document_order(self):
        outcome = self.provision(self.url)

        self.assertFinished(outcome)
        self.assertEqual(['/prov/references.xml', '/prov/first_file.xml', '/second_file.xml',
                          f'/prov/prov.py?mac={MAC_IN_URLS}'], self.server.targets())
        self.assertEqual(['/third_file.xml'], self.other_server.targets())
        # Across the two servers: third_file.xml between /second_file.xml and prov.py.
        second, prov_py = self.server.requests[2:4]
        third = self.other_server.requests[0]
        self.assertLess(second.received, third.received)
        self.assertLess(third.received, prov_py.received)

    def test_seed_changes_are_all_stored_in_order(self):
        before = settings_leaves(self.daemon)

        outcome = self.provision(self.url)

        self.assertFinished(outcome, sections_changed=3)
        after = settings_leaves(self.daemon)
        # The call waiting tone went off (first_file) and on again (prov.py,
        # applied last): unchanged.
        self.assertEqual(['identities/identity[1]/displayname', 'telephony/callWaiting/active',
                          'time/timezone'], harness.changed_paths(before, after))
        self.assertEqual('false', after['telephony/callWaiting/active'])
        self.assertEqual('true', after['telephony/callWaiting/tone'])
        self.assertEqual('Europe/Vienna', after['time/timezone'])
        self.assertEqual('Reception', after['identities/identity[1]/displayname'])
        self.assertEqual(sorted((section, self.versions[section], 'merge')
                                for section in ('identities', 'telephony', 'time')),
                         sorted(outcome.section_applied))

    def test_seed_run_signals_carry_its_run_id(self):
        outcome = self.provision(self.url)

        self.assertFinished(outcome, sections_changed=3)
        self.assertEqual(3, len(self.recorder.named('SectionApplied')))
        self.assertEqual([], [args for args in self.recorder.named('Progress') if args[0] != outcome.run_id])
        # SectionApplied signals come before Finished.
        members = [name for name, args in self.recorder.signals
                   if name in ('SectionApplied', 'Finished')]
        self.assertEqual(['SectionApplied'] * 3 + ['Finished'], members)

    def test_seed_progress_goes_through_the_stages(self):
        outcome = self.provision(self.url)

        self.assertFinished(outcome)
        self.assertProgressWellFormed(outcome)
        self.assertEqual(set(STAGES), {stage for stage, _, _ in outcome.progress})
        downloading = [detail for stage, _, detail in outcome.progress if stage == 'downloading']
        self.assertTrue(downloading)
        for detail in downloading:
            match = FILE_K_OF_N.search(detail)
            self.assertIsNotNone(match, f'no "file k of n" in {detail!r}')
            k, n = int(match.group(1)), int(match.group(2))
            self.assertTrue(1 <= k <= n <= len(self.fetched_urls), detail)
            self.assertTrue(any(url in detail for url in self.fetched_urls),
                            f'the downloading detail {detail!r} names none of {self.fetched_urls}')

    def test_seed_progress_done_comes_after_the_commit(self):
        stored_at_done = []

        def on_signal(member, args):
            if member == 'Progress' and args[1] == 'done':
                stored_at_done.append(settings_leaves(self.daemon))
        self.recorder.on_signal = on_signal

        outcome = self.provision(self.url)

        self.assertFinished(outcome)
        self.assertEqual(1, len(stored_at_done))
        self.assertEqual('Europe/Vienna', stored_at_done[0]['time/timezone'])

    def test_seed_counts_files_and_bytes(self):
        outcome = self.provision(self.url)

        self.assertFinished(outcome)
        status = self.daemon.status()
        self.assertEqual(5, status['FilesFetched'])
        self.assertEqual(sum(map(len, self.bodies.values())) + len(self.third), status['BytesFetched'])


class ReferenceChainTest(RunTestCase):

    def setUp(self):
        super().setUp()
        for name in ('chain/ref1.xml', 'chain/sub/ref2.xml', 'chain/patch-a.xml', 'chain/after.xml'):
            self.server.add_document('/' + name, runs_fixture(name))

    def test_reference_to_reference_to_patch(self):
        before = settings_leaves(self.daemon)

        outcome = self.provision(self.server.url('/chain/ref1.xml'))

        self.assertFinished(outcome, sections_changed=2)
        # Depth first, in document order, each reference resolved against its own URL.
        self.assertEqual(['/chain/ref1.xml', '/chain/sub/ref2.xml', '/chain/patch-a.xml', '/chain/after.xml'],
                         self.server.targets())
        after = settings_leaves(self.daemon)
        self.assertEqual(['telephony/callWaiting/active', 'time/timezone'], harness.changed_paths(before, after))
        self.assertEqual('UTC', after['time/timezone'])
        self.assertEqual('true', after['telephony/callWaiting/tone'])

    def test_same_file_twice_in_one_reference_is_not_a_cycle(self):
        self.server.add_document('/twice/references.xml', reference_document('p.xml', 'p.xml'))
        self.server.add_document('/twice/p.xml', telephony_patch(active=False))

        outcome = self.provision(self.server.url('/twice/references.xml'))

        self.assertFinished(outcome, sections_changed=1)


class MarkersInReferencesTest(RunTestCase):

    def test_unescaped_and_braced_markers_in_reference_urls(self):
        # Written by hand: the unescaped markers make the document not well-formed.
        reference = ('<?xml version="1.0" encoding="UTF-8"?>\n<referencedSettings>\n'
                     '  <URL>vendor/<MACADR>/<SERIAL>/<HWTYP>.xml</URL>\n'
                     '  <URL>braced/{mac}-{serial}-{type}.xml</URL>\n'
                     '</referencedSettings>\n').encode('utf-8')
        self.server.add_document('/m/references.xml', reference)
        vendor_path = f'/m/vendor/{MAC_IN_URLS}/{SERIAL}/{DEVICE_TYPE}.xml'
        braced_path = f'/m/braced/{MAC_IN_URLS}-{SERIAL}-{DEVICE_TYPE}.xml'
        self.server.add_document(vendor_path, telephony_patch(active=False))
        self.server.add_document(braced_path, telephony_patch(tone=False))

        outcome = self.provision(self.server.url('/m/references.xml'))

        self.assertFinished(outcome, sections_changed=1)
        self.assertEqual(['/m/references.xml', vendor_path, braced_path], self.server.paths())


class ReferenceCycleTest(RunTestCase):
    # Deep enough that only the cycle can stop a -> b -> a.
    limits = {'MaxReferenceDepth': 8}

    def test_reference_cycle(self):
        for name in ('cycle/a.xml', 'cycle/b.xml'):
            self.server.add_document('/' + name, runs_fixture(name))

        outcome = self.assertRunFails(self.server.url('/cycle/a.xml'), 'ReferenceCycle')

        self.assertIn('/cycle/a.xml', outcome.error_message)
        # The cycle is seen from the URL: a.xml is not fetched a second time.
        self.assertEqual(['/cycle/a.xml', '/cycle/b.xml'], self.server.paths())


class ReferenceBoundsTest(RunTestCase):

    def test_unsupported_url_in_a_reference(self):
        self.server.add_document('/ftp/references.xml', reference_document('ftp://127.0.0.1/settings.xml'))
        self.assertRunFails(self.server.url('/ftp/references.xml'), 'UnsupportedUrl')

    def test_reference_depth_overflow(self):
        levels = 10
        for level in range(levels):
            self.server.add_document(f'/depth/{level}.xml', reference_document(f'{level + 1}.xml'))
        self.server.add_document(f'/depth/{levels}.xml', telephony_patch(active=False))

        self.assertRunFails(self.server.url('/depth/0.xml'), 'ReferenceDepth')

        # MaxReferenceDepth is 3: the run stops there instead of following the chain.
        self.assertLessEqual(len(self.server.requests), run_case.LIMITS['MaxReferenceDepth'] + 2)

    def test_too_many_files(self):
        max_files = run_case.LIMITS['MaxFiles']
        names = [f'{index}.xml' for index in range(max_files + 1)]
        self.server.add_document('/many/references.xml', reference_document(*names))
        for index, name in enumerate(names):
            self.server.add_document(f'/many/{name}', telephony_patch(active=index % 2 == 0))

        self.assertRunFails(self.server.url('/many/references.xml'), 'TooManyFiles')

        # The run stops at the limit instead of fetching everything first.
        self.assertLessEqual(len(self.server.requests), max_files + 1)


if __name__ == '__main__':
    harness.main()
