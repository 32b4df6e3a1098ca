# SPDX-License-Identifier: LGPL-2.1-or-later
"""Start and stop: clean exit on SIGTERM/SIGINT, SIGHUP ignored with a message, one instance per bus,
factory defaults on first start, a clear failure without them."""

import os
import signal
import tempfile

import harness
from harness import DaemonTestCase, parse_xml, sections_of, source_path


def snapshot(directory):
    """name -> (bytes, mtime_ns) of every entry of directory (files only have bytes)."""
    result = {}
    for entry in os.scandir(directory):
        stat = entry.stat(follow_symlinks=False)
        data = None
        if entry.is_file(follow_symlinks=False):
            with open(entry.path, 'rb') as f:
                data = f.read()
        result[entry.name] = (data, stat.st_mtime_ns, stat.st_mode)
    return result


class LifecycleTest(DaemonTestCase):

    def test_sigterm_exits_zero(self):
        daemon = harness.start_daemon(self)
        daemon.stop(signal.SIGTERM)  # asserts exit code 0

    def test_sigint_exits_zero(self):
        daemon = harness.start_daemon(self)
        daemon.stop(signal.SIGINT)  # asserts exit code 0

    def test_sighup_is_ignored_with_a_message(self):
        daemon = harness.start_daemon(self)
        os.kill(daemon.pid, signal.SIGHUP)
        harness.pump_until(lambda: 'SIGHUP ignored' in daemon.log_text(), 10.0, 'the SIGHUP message')

        self.assertIn('restart it to apply a change', daemon.log_text())
        self.assertEqual('idle', daemon.status()['State'])
        daemon.stop(signal.SIGTERM)  # asserts exit code 0

    def test_invalid_stored_settings_are_logged_after_start_and_kept(self):
        """The check of the stored settings after start (engine_check_stored_settings) only
        logs: the daemon serves, and the invalid section is stored as it was."""
        with tempfile.TemporaryDirectory(prefix='provisiond-itest-defaults-') as directory:
            defaults = harness.defaults_with_provisioning(directory, active='maybe')
            daemon = harness.start_daemon(self, defaults=defaults)
            harness.pump_until(lambda: 'stored settings: ' in daemon.log_text(), 10.0,
                               'the log line of the invalid section')

        self.assertIn('provisioning', daemon.log_text().split('stored settings: ', 1)[1].splitlines()[0])
        self.assertEqual('maybe', daemon.settings_sections()['provisioning'].find('active').text)
        self.assertEqual('idle', daemon.status()['State'])

    def test_name_is_released_after_exit(self):
        daemon = harness.start_daemon(self)
        daemon.stop()
        self.assertIsNone(harness.name_owner_pid(daemon.connection))

    def test_first_start_commits_the_factory_defaults(self):
        daemon = harness.start_daemon(self)
        with open(source_path('data', 'defaults.xml'), 'rb') as f:
            defaults = sections_of(parse_xml(f.read()))
        self.assertTrue(os.path.isfile(daemon.settings_path))
        self.assertSectionsEqual(defaults, daemon.settings_sections())
        self.assertSectionsEqual(defaults, daemon.backup_sections())

    def test_second_instance_fails_without_touching_the_state_dir(self):
        first = harness.start_daemon(self)
        first.apply(harness.fixture_path('telephony-merge.xml'))
        before = snapshot(first.state_dir)

        second = harness.Daemon(state_dir=first.state_dir)
        self.addCleanup(second.close)
        second.spawn()
        code = second.wait_exit()

        self.assertNotEqual(0, code, 'a second instance must not run')
        self.assertEqual(before, snapshot(first.state_dir))
        self.assertEqual(first.pid, harness.name_owner_pid(first.connection))
        self.assertEqual('success', first.status()['LastResult'])

    def test_missing_defaults_without_settings_fails_with_a_message(self):
        missing = os.path.join(tempfile.gettempdir(), 'provisiond-itest-no-such-dir', 'defaults.xml')
        self.assertFalse(os.path.exists(missing))
        daemon = harness.Daemon(defaults=missing)
        self.addCleanup(daemon.close)
        daemon.spawn()
        code = daemon.wait_exit()

        self.assertNotEqual(0, code)
        with open(daemon.log_path, 'rb') as f:
            log = f.read().decode('utf-8', 'replace')
        self.assertIn(missing, log, 'stderr should name the missing defaults file')
        self.assertFalse(os.path.exists(daemon.settings_path))

    def test_existing_settings_do_not_need_the_defaults(self):
        first = harness.start_daemon(self)
        first.apply(harness.fixture_path('telephony-merge.xml'))
        backup = first.backup()
        first.stop()

        missing = os.path.join(first.work_dir, 'no-such-defaults.xml')
        second = harness.start_daemon(self, state_dir=first.state_dir, defaults=missing)
        self.assertEqual(backup, second.backup())


if __name__ == '__main__':
    harness.main()
