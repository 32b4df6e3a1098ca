# SPDX-License-Identifier: LGPL-2.1-or-later
"""Refused documents and calls: each is answered with its named D-Bus error,
leaves the stored settings byte-identical, emits no SectionApplied and is
reported by GetStatus; the daemon keeps answering."""

import errno
import os
import shutil
import tempfile

from gi.repository import GLib

import harness
import httpd
from harness import DaemonTestCase, INVALID_ARGS, SignalRecorder, fixture_path, read_fixture

INVALID_FILE = harness.ERROR_PREFIX + 'InvalidFile'
REFERENCE_NOT_ALLOWED = harness.ERROR_PREFIX + 'ReferenceNotAllowed'
VALIDATION = harness.ERROR_PREFIX + 'Validation'
STORAGE = harness.ERROR_PREFIX + 'Storage'

MiB = 1024 * 1024

# What a parser that loads external content would put into the settings.
LEAKED = b'leaked-by-the-parser'


def external_entity_document(url):
    """A telephony change whose value is the external entity at url."""
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<!DOCTYPE configuration [<!ENTITY leak SYSTEM "{url}">]>\n'
            '<configuration><telephony><callForwarding><unconditional><target>&leak;</target>'
            '</unconditional></callForwarding></telephony></configuration>').encode('utf-8')


def external_dtd_document(url):
    """A valid telephony change that names an external DTD at url."""
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<!DOCTYPE configuration SYSTEM "{url}">\n'
            '<configuration><telephony><callWaiting><active>false</active></callWaiting>'
            '</telephony></configuration>').encode('utf-8')


def fifo_has_reader(path):
    """Whether a process has the FIFO at path open for reading, or is blocked
    opening it. A non-blocking open for writing fails with ENXIO when there is
    no reader; when there is one it succeeds, and closing it again lets a
    reader that was blocked in open() go on (to end of file)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        if error.errno == errno.ENXIO:
            return False
        raise
    os.close(fd)
    return True


def padded_document(size):
    """A valid telephony change padded with a trailing comment to size bytes,
    so that only its size can make it unacceptable."""
    document = read_fixture('telephony-merge.xml')
    return document + b'<!--' + b' ' * (size - len(document) - 8) + b'-->\n'


class RefusalTestCase(DaemonTestCase):
    """One daemon for the class: refusals must not disturb it."""

    @classmethod
    def setUpClass(cls):
        cls.daemon = harness.Daemon()
        cls.daemon.start()
        cls.recorder = SignalRecorder()

    @classmethod
    def tearDownClass(cls):
        cls.recorder.close()
        cls.daemon.close()

    def setUp(self):
        # A successful apply first, so that each test sees its own failure
        # replace a success in the status.
        self.backup = self.daemon.backup().encode('utf-8')
        self.daemon.apply(self.backup)
        self.assertEqual('success', self.daemon.status()['LastResult'])
        self.recorder.sync()
        self.recorder.clear()
        self.stored = self.daemon.settings_bytes()

    def assertRefused(self, name, call):
        """call() fails with the D-Bus error name; nothing is stored and the
        daemon still answers. Returns the error message."""
        with self.assertDBusError(name) as error:
            call()
        self.assertEqual(self.stored, self.daemon.settings_bytes(), 'settings.xml changed')
        self.recorder.sync()
        self.assertEqual([], self.recorder.named('SectionApplied'))
        return error['message']

    def assertApplyRefused(self, name, call):
        """Like assertRefused for an ApplyFile call, which GetStatus reports."""
        message = self.assertRefused(name, call)
        status = self.daemon.status()
        self.assertEqual('failed', status['LastResult'])
        self.assertEqual(name, status['LastError'][0])
        self.assertEqual('idle', status['State'])
        return message

    def assertDocumentRefused(self, name, document):
        return self.assertApplyRefused(name, lambda: self.daemon.apply(document))


class DocumentRefusalTest(RefusalTestCase):

    def test_invalid_value_is_refused_with_validation_naming_the_section(self):
        message = self.assertDocumentRefused(VALIDATION, fixture_path('invalid-value.xml'))
        self.assertIn('identities', message)
        self.assertIn('identities', self.daemon.status()['LastError'][1])

    def test_malformed_document_is_invalid_file(self):
        self.assertDocumentRefused(INVALID_FILE, fixture_path('malformed.xml'))

    def test_empty_document_is_invalid_file_and_the_daemon_stays(self):
        with tempfile.NamedTemporaryFile(suffix='.xml') as empty:
            message = self.assertDocumentRefused(INVALID_FILE, empty.name)
        self.assertIn('is empty', message)
        self.assertEqual('idle', self.daemon.status()['State'])

    def test_wrong_root_is_invalid_file(self):
        self.assertDocumentRefused(INVALID_FILE, fixture_path('wrong-root.xml'))

    def test_reference_document_is_not_allowed(self):
        self.assertDocumentRefused(REFERENCE_NOT_ALLOWED, fixture_path('reference.xml'))

    def test_entity_expansion_bomb_is_invalid_file(self):
        self.assertDocumentRefused(INVALID_FILE, fixture_path('billion-laughs.xml'))

    def test_external_entity_over_http_is_invalid_file_and_never_fetched(self):
        server = httpd.start_server(self)
        server.add_document('/leak.txt', LEAKED, content_type='text/plain')

        message = self.assertDocumentRefused(INVALID_FILE, external_entity_document(server.url('/leak.txt')))

        # A parser that fetched the entity waited for the answer before the reply came.
        self.assertEqual(0, server.connections, f'the daemon asked for {server.targets()}')
        self.assertNotIn(LEAKED.decode(), message)

    def test_external_dtd_is_invalid_file_and_never_fetched(self):
        server = httpd.start_server(self)
        server.add_document('/configuration.dtd', b'<!ELEMENT configuration ANY>',
                            content_type='application/xml-dtd')

        self.assertDocumentRefused(INVALID_FILE, external_dtd_document(server.url('/configuration.dtd')))

        self.assertEqual(0, server.connections, f'the daemon asked for {server.targets()}')

    def test_external_entity_file_is_invalid_file_and_never_opened(self):
        # Opening a FIFO for reading blocks until a writer comes: a daemon that
        # opened the entity would hang in the ApplyFile call, or still be
        # waiting in open() afterwards, which fifo_has_reader sees.
        fifo = os.path.join(self.daemon.work_dir, f'{self._testMethodName}.fifo')
        os.mkfifo(fifo)
        self.addCleanup(os.unlink, fifo)
        self.addCleanup(fifo_has_reader, fifo)  # lets a blocked daemon go on if the test failed

        self.assertDocumentRefused(INVALID_FILE, external_entity_document(f'file://{fifo}'))

        self.assertFalse(fifo_has_reader(fifo), 'the daemon opened the entity file')

    def test_too_deep_nesting_is_invalid_file(self):
        self.assertDocumentRefused(INVALID_FILE, fixture_path('deep.xml'))

    def test_document_over_size_limit_is_invalid_file(self):
        self.assertDocumentRefused(INVALID_FILE, padded_document(5 * MiB))

    def test_document_under_size_limit_is_accepted(self):
        # The counterpart of the size limit: the same padding at 3 MiB is fine.
        self.assertEqual(1, len(self.daemon.apply(padded_document(3 * MiB))))
        self.assertEqual('success', self.daemon.status()['LastResult'])
        self.daemon.apply(self.backup)  # back to the state the other tests expect


class DescriptorRefusalTest(RefusalTestCase):

    def test_directory_fd_is_invalid_file(self):
        fd = os.open(self.daemon.work_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        self.addCleanup(os.close, fd)
        self.assertApplyRefused(INVALID_FILE, lambda: self.daemon.apply_fd(fd))

    def test_pipe_fd_is_invalid_file(self):
        read_end, write_end = os.pipe2(os.O_CLOEXEC)
        self.addCleanup(os.close, read_end)
        # A valid document: only the kind of fd makes it unacceptable.
        os.write(write_end, read_fixture('telephony-merge.xml'))
        os.close(write_end)
        self.assertApplyRefused(INVALID_FILE, lambda: self.daemon.apply_fd(read_end))


class ArgumentRefusalTest(RefusalTestCase):

    def test_unknown_option_key_is_invalid_args(self):
        options = {'noSuchOption': GLib.Variant('s', 'x')}
        self.assertApplyRefused(INVALID_ARGS,
                           lambda: self.daemon.apply(fixture_path('telephony-merge.xml'), options))

    def test_backup_of_unknown_section_is_invalid_args(self):
        self.assertRefused(INVALID_ARGS, lambda: self.daemon.backup(['noSuchSection']))
        # The daemon still answers.
        self.assertIn('telephony', self.daemon.backup_sections(['telephony']))


class StorageFailureTest(DaemonTestCase):

    def setUp(self):
        self.daemon = harness.start_daemon(self)
        self.recorder = SignalRecorder()
        self.addCleanup(self.recorder.close)

    def test_commit_failure_is_storage_and_keeps_settings(self):
        stored = self.daemon.settings_bytes()
        generation = self.daemon.status()['SettingsGeneration']
        # The daemon writes its temp file here; as root permissions cannot
        # stop it, a directory in the way does.
        blocker = os.path.join(self.daemon.state_dir, 'settings.xml.tmp')
        os.mkdir(blocker)
        self.addCleanup(shutil.rmtree, blocker, True)

        with self.assertDBusError(STORAGE):
            self.daemon.apply(fixture_path('telephony-merge.xml'))

        self.assertEqual(stored, self.daemon.settings_bytes())
        status = self.daemon.status()
        self.assertEqual('failed', status['LastResult'])
        self.assertEqual(STORAGE, status['LastError'][0])
        self.assertEqual(generation, status['SettingsGeneration'])
        self.recorder.sync()
        self.assertEqual([], self.recorder.named('SectionApplied'))

        # Once the obstacle is gone the same document commits.
        os.rmdir(blocker)
        self.assertEqual(1, len(self.daemon.apply(fixture_path('telephony-merge.xml'))))
        self.assertNotEqual(stored, self.daemon.settings_bytes())


if __name__ == '__main__':
    harness.main()
