# SPDX-License-Identifier: LGPL-2.1-or-later
"""SectionApplied as another client on the bus sees it: once per changed
section, run id 0, and only when the change is already durable on disk."""

import os
import shutil

import harness
from harness import (DaemonTestCase, SignalRecorder, canonical_section, configuration_document,
                     parse_xml, read_fixture, sections_of)


def fixture_section(fixture, name):
    return sections_of(parse_xml(read_fixture(fixture)))[name]


class SectionAppliedTest(DaemonTestCase):

    def setUp(self):
        self.daemon = harness.start_daemon(self)
        self.versions = harness.current_section_versions()
        # What settings.xml held at the moment each SectionApplied was handled.
        self.stored_at_signal = []
        self.recorder = SignalRecorder(on_signal=self.read_settings_on_section_applied)
        self.addCleanup(self.recorder.close)

    def read_settings_on_section_applied(self, member, args):
        if member == 'SectionApplied':
            self.stored_at_signal.append((args[1], self.daemon.settings_bytes()))

    def apply_two_sections(self):
        document = configuration_document(fixture_section('telephony-merge.xml', 'telephony'),
                                          fixture_section('users-replace.xml', 'users'),
                                          fixture_section('keys-merge.xml', 'keys'))
        # keys is sent unchanged after the first apply of keys-merge.
        self.daemon.apply(read_fixture('keys-merge.xml'))
        self.recorder.sync()
        self.recorder.clear()
        self.stored_at_signal.clear()
        return self.daemon.apply(document)

    def wait_for_section_applied(self, count):
        self.recorder.wait_for(lambda rec: len(rec.named('SectionApplied')) >= count,
                               what=f'{count} SectionApplied signals')
        self.recorder.sync()

    def test_section_applied_once_per_changed_section_with_run_id_0(self):
        reply = self.apply_two_sections()

        self.assertEqual(['telephony', 'users'], sorted(section for section, _, _ in reply))
        self.wait_for_section_applied(len(reply))
        signals = self.recorder.named('SectionApplied')
        self.assertEqual(sorted((0,) + tuple(change) for change in reply),
                         sorted(tuple(args) for args in signals))

    def test_section_applied_carries_version_and_how(self):
        reply = self.apply_two_sections()

        self.wait_for_section_applied(len(reply))
        self.assertEqual(sorted([(0, 'telephony', self.versions['telephony'], 'merge'),
                                 (0, 'users', self.versions['users'], 'merge')]),
                         sorted(tuple(args) for args in self.recorder.named('SectionApplied')))

    def test_section_applied_only_after_the_change_is_on_disk(self):
        reply = self.apply_two_sections()

        self.wait_for_section_applied(len(reply))
        final = sections_of(parse_xml(self.daemon.settings_bytes()))
        self.assertEqual(len(reply), len(self.stored_at_signal))
        for section, stored in self.stored_at_signal:
            at_signal = sections_of(parse_xml(stored))
            self.assertEqual(canonical_section(final[section]),
                             canonical_section(at_signal[section]),
                             f'settings.xml did not hold the new {section} at SectionApplied')

    def test_no_section_applied_when_the_commit_fails(self):
        # A directory where the daemon writes its temp file makes the commit
        # fail; a signal sent before committing would still reach us.
        blocker = os.path.join(self.daemon.state_dir, 'settings.xml.tmp')
        os.mkdir(blocker)
        self.addCleanup(shutil.rmtree, blocker, True)

        with self.assertDBusError(harness.ERROR_PREFIX + 'Storage'):
            self.daemon.apply(read_fixture('telephony-merge.xml'))

        self.recorder.sync()
        self.assertEqual([], self.recorder.named('SectionApplied'))

    def test_no_section_applied_without_change(self):
        self.daemon.apply(self.daemon.backup().encode('utf-8'))

        self.recorder.sync()
        self.assertEqual([], self.recorder.named('SectionApplied'))


if __name__ == '__main__':
    harness.main()
