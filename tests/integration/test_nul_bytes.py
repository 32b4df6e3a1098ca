# SPDX-License-Identifier: LGPL-2.1-or-later
"""A document is all of its bytes: one with a NUL byte is InvalidFile, over
ApplyFile and in a provisioning run, even when the bytes before the NUL are a
valid document on their own (libxml2 alone stops reading at the NUL)."""

import harness
from run_case import RunTestCase, error_name, telephony_patch

INVALID_FILE = harness.ERROR_PREFIX + 'InvalidFile'
TAIL = b'\0<<<&& not xml'


class NulByteTest(RunTestCase):

    def test_valid_prefix_alone_is_applied(self):
        """The control: without the NUL and its tail the document is fine."""
        self.daemon.apply(telephony_patch(active=False))
        self.assertEqual('success', self.daemon.status()['LastResult'])

    def test_apply_file_with_nul_is_invalid_file_naming_the_offset(self):
        document = telephony_patch(active=False)
        stored_before = self.daemon.state_snapshot()
        with self.assertDBusError(INVALID_FILE) as error:
            self.daemon.apply(document + TAIL)
        self.assertIn(f'NUL byte at offset {len(document)}', error['message'])
        self.assertEqual(stored_before, self.daemon.state_snapshot(), 'the state dir changed')
        status = self.daemon.status()
        self.assertEqual(('failed', INVALID_FILE), (status['LastResult'], status['LastError'][0]))

    def test_run_of_a_body_with_nul_fails_with_invalid_file(self):
        document = telephony_patch(active=False)
        self.server.add_document('/settings.xml', document + TAIL)
        outcome = self.assertRunFails(self.server.url('/settings.xml'), 'InvalidFile')
        self.assertEqual(error_name('InvalidFile'), outcome.error_name)
        self.assertIn(f'NUL byte at offset {len(document)}', outcome.error_message)


if __name__ == '__main__':
    harness.main()
