# SPDX-License-Identifier: LGPL-2.1-or-later
"""Settings versions over the bus: files written for older releases are
migrated on ApplyFile, a section newer than this firmware is refused with
UnsupportedVersion, and a settings.xml left by release 1.10A is migrated once
when the daemon starts, surviving a kill -9 at any moment of that."""

import os
import shutil
import signal
import tempfile
import time

import harness
from harness import DaemonTestCase, parse_xml, sections_of, source_path

UNSUPPORTED_VERSION = harness.ERROR_PREFIX + 'UnsupportedVersion'
VERSIONS_DATA = ('tests', 'data', 'versions')

# How long after spawning the daemon the crash test kills it, in seconds:
# from before main() to well after the store is migrated and the name owned.
KILL_DELAYS = (0.0, 0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.08, 0.12, 0.2, 0.4)


def versions_path(name):
    return source_path(*VERSIONS_DATA, name)


def read_versions_file(name):
    with open(versions_path(name), 'rb') as f:
        return f.read()


def expected_sections(name):
    return sections_of(parse_xml(read_versions_file(name)))


def make_state_dir(test_case, settings):
    """A state directory holding settings.xml with the given bytes."""
    state_dir = tempfile.mkdtemp(prefix='provisiond-itest-versions-')
    test_case.addCleanup(shutil.rmtree, state_dir, True)
    with open(os.path.join(state_dir, 'settings.xml'), 'wb') as f:
        f.write(settings)
    return state_dir


class VersionsTest(DaemonTestCase):

    @classmethod
    def setUpClass(cls):
        cls.versions = harness.current_section_versions()
        cls.store_1_10A = read_versions_file('store-1.10A.xml')
        cls.expected_1_10A = expected_sections('expected-from-1.10A.xml')

    def assertCurrentVersions(self, sections):
        for name, section in sections.items():
            self.assertEqual(self.versions[name], section.get('version'), name)

    def assertMigratedStore(self, settings, msg=None):
        sections = sections_of(parse_xml(settings))
        self.assertSectionsEqual(self.expected_1_10A, sections, msg)
        self.assertCurrentVersions(sections)

    # ---- ApplyFile -------------------------------------------------------------

    def test_backup_of_an_older_release_is_migrated(self):
        for release in ('1.10A', '2.0C'):
            with self.subTest(release=release), harness.Daemon() as daemon:
                reply = daemon.apply(versions_path(f'backup-{release}.xml'))
                self.assertEqual(sorted(self.versions), sorted(section for section, _, _ in reply))
                for section, version, how in reply:
                    self.assertEqual((self.versions[section], 'replace'), (version, how), section)
                backup = daemon.backup_sections()
                self.assertSectionsEqual(expected_sections(f'expected-from-{release}.xml'), backup)
                self.assertCurrentVersions(backup)

    def test_newer_section_is_refused_with_unsupported_version(self):
        daemon = harness.start_daemon(self)
        stored = daemon.settings_bytes()
        document = (b'<configuration><telephony><dialTimeout>9</dialTimeout></telephony>'
                    b'<keys version="9.0.0"/></configuration>')
        with self.assertDBusError(UNSUPPORTED_VERSION) as error:
            daemon.apply(document)
        self.assertIn("section 'keys' has version 9.0.0, newer than this firmware's "
                      f"{self.versions['keys']}", error['message'])
        self.assertEqual(stored, daemon.settings_bytes(), 'settings.xml changed')
        status = daemon.status()
        self.assertEqual('failed', status['LastResult'])
        self.assertEqual(UNSUPPORTED_VERSION, status['LastError'][0])

    # ---- the stored settings ---------------------------------------------------

    def test_store_of_1_10A_is_migrated_once_on_start(self):
        state_dir = make_state_dir(self, self.store_1_10A)
        daemon = harness.start_daemon(self, state_dir=state_dir)
        migrated = daemon.settings_bytes()
        self.assertMigratedStore(migrated)
        self.assertSectionsEqual(self.expected_1_10A, daemon.backup_sections())
        self.assertEqual(1, daemon.status()['SettingsGeneration'])

        daemon.restart()
        self.assertEqual(migrated, daemon.settings_bytes(), 'migrated again')
        self.assertEqual(1, daemon.status()['SettingsGeneration'])

    def kill_and_restart(self, wait_for_moment, moment):
        """Spawns the daemon on a 1.10A store, kills it (SIGKILL) once
        wait_for_moment(daemon) returns, then checks what a restart finds."""
        state_dir = make_state_dir(self, self.store_1_10A)
        daemon = harness.Daemon(state_dir=state_dir)
        self.addCleanup(daemon.close)
        daemon.spawn()
        wait_for_moment(daemon)
        daemon.process.send_signal(signal.SIGKILL)
        daemon.wait_exit()

        # Whatever the moment: the old file or the migrated one, never a mix.
        settings = daemon.settings_bytes()
        if settings != self.store_1_10A:
            self.assertMigratedStore(settings, f'killed {moment}')
        daemon.start()
        self.assertMigratedStore(daemon.settings_bytes())
        self.assertEqual('idle', daemon.status()['State'])
        daemon.stop()

    def test_kill_during_migration_leaves_a_loadable_store(self):
        for delay in KILL_DELAYS:
            with self.subTest(delay=delay):
                self.kill_and_restart(lambda daemon: time.sleep(delay), f'after {delay} s')

    def test_kill_while_the_migrated_store_is_written_leaves_a_loadable_store(self):
        def until_temp_file(daemon):
            """Until settings.xml.tmp exists (or, missed, settings.xml was replaced)."""
            temp_path = daemon.settings_path + '.tmp'
            original = os.stat(daemon.settings_path).st_ino
            deadline = time.monotonic() + harness.START_TIMEOUT
            while (not os.path.exists(temp_path) and os.stat(daemon.settings_path).st_ino == original
                   and daemon.process.poll() is None and time.monotonic() < deadline):
                pass  # busy: the window between creating and renaming the file is short

        for attempt in range(5):
            with self.subTest(attempt=attempt):
                self.kill_and_restart(until_temp_file, 'while writing settings.xml.tmp')

    def test_half_written_temp_file_of_a_crash_is_ignored(self):
        state_dir = make_state_dir(self, self.store_1_10A)
        with open(os.path.join(state_dir, 'settings.xml.tmp'), 'wb') as f:
            f.write(self.store_1_10A[:len(self.store_1_10A) // 2])
        daemon = harness.start_daemon(self, state_dir=state_dir)
        self.assertMigratedStore(daemon.settings_bytes())
        self.assertFalse(os.path.exists(os.path.join(state_dir, 'settings.xml.tmp')))

    def test_store_of_a_newer_release_is_kept_as_it_is(self):
        """After a firmware downgrade: the daemon still starts and changes nothing it cannot read."""
        with open(source_path('data', 'defaults.xml'), 'rb') as f:
            defaults = f.read()
        newer = defaults.replace(b'<time version="1.3.0">', b'<time version="1.4.0">')
        self.assertNotEqual(newer, defaults)
        state_dir = make_state_dir(self, newer)
        daemon = harness.start_daemon(self, state_dir=state_dir)
        self.assertEqual(newer, daemon.settings_bytes())
        self.assertIn('1.4.0', daemon.log_tail())


if __name__ == '__main__':
    harness.main()
