# SPDX-License-Identifier: LGPL-2.1-or-later
"""Automatic runs (docs/triggers.md): the boot run at the first start after a
system boot and none on a restart within it; the schedule of
/provisioning/execution firing (the daemon's TZ is a POSIX string with a seconds
offset that puts a whole local minute a few seconds ahead); NextRun following
patches and runs; a failed scheduled run retried with backoff."""

import os
import time

import harness
import httpd
from run_case import RunTestCase, now_us, run_config

RUN_TIMEOUT = 30.0
# How far ahead the test schedules: the daemon must have applied the patch by then.
SLOT_LEAD_SECONDS = 12
SLOT_ATTEMPTS = 4
DAY_US = 86400 * 1_000_000
RETRY_MIN_US = 5 * 1_000_000
RETRY_MAX_US = 10 * 1_000_000
# The retry is computed a moment after LastRunFinished is taken.
CLOCK_SLACK_US = 500_000
TELEPHONY_PATCH = (b'<?xml version="1.0"?><configuration><telephony><callWaiting><active>false</active>'
                   b'</callWaiting></telephony></configuration>')


def execution_patch(time_of_day, url=None, random_delay=None, days=True, active=None):
    """A provisioning patch with every weekday set to days and execution/time."""
    weekdays = ''.join(f'<{day}>{"true" if days else "false"}</{day}>'
                       for day in ('mondays', 'tuesdays', 'wednesdays', 'thursdays', 'fridays',
                                   'saturdays', 'sundays'))
    delay = ''
    if random_delay is None:
        delay = '<useRandomDelay>false</useRandomDelay>'
    else:
        delay = (f'<useRandomDelay>true</useRandomDelay><minimalRandomDelay>{random_delay[0]}'
                 f'</minimalRandomDelay><maximalRandomDelay>{random_delay[1]}</maximalRandomDelay>')
    children = f'<execution>{weekdays}<time>{time_of_day}</time>{delay}</execution>'
    if url is not None:
        children = f'<url>{url}</url>' + children
    if active is not None:
        children = f'<active>{"true" if active else "false"}</active>' + children
    return (f'<?xml version="1.0" encoding="UTF-8"?>'
            f'<configuration><provisioning>{children}</provisioning></configuration>').encode('utf-8')


def tz_offset_seconds(tz):
    """local = UTC + this, for the POSIX strings the tests build: three letters, then the offset."""
    name_end = 3
    sign = -1 if tz[name_end] == '+' else 1
    parts = [int(part) for part in tz[name_end + 1:].split(':')] + [0, 0]
    return sign * (parts[0] * 3600 + parts[1] * 60 + parts[2])


def posix_tz(offset):
    """A POSIX TZ string for local = UTC + offset seconds (POSIX counts west as positive)."""
    sign = '-' if offset >= 0 else '+'
    value = abs(offset)
    return f'SLT{sign}{value // 3600:02d}:{value % 3600 // 60:02d}:{value % 60:02d}'


def next_local_time(now_seconds, offset, hours, minutes):
    """The next instant after now_seconds (s since the epoch) at which local time is hours:minutes."""
    local = now_seconds + offset
    candidate = local - local % 86400 + hours * 3600 + minutes * 60 - offset
    if candidate <= now_seconds:
        candidate += 86400
    return candidate


def local_time_of(instant, offset):
    local = instant + offset
    return f'{local // 3600 % 24}:{local // 60 % 60:02d}'


class TriggerTestCase(RunTestCase):

    def setUp(self):
        self.server = httpd.start_server(self)

    def start_triggers_daemon(self, **daemon_args):
        self.daemon = harness.start_daemon(self, config=run_config(), **daemon_args)
        self.recorder = harness.SignalRecorder()
        self.addCleanup(self.recorder.close)
        return self.daemon

    def wait_status(self, condition, what, timeout=RUN_TIMEOUT):
        deadline = time.monotonic() + timeout
        while True:
            status = self.daemon.status()
            if condition(status):
                return status
            if time.monotonic() > deadline:
                self.fail(f'timed out after {timeout} s waiting for {what}; status {dict(status)}\n'
                          f'{self.daemon.log_tail(40)}')
            time.sleep(0.05)

    def forget_signals(self):
        """Drops the signals so far, including any still on their way (the
        daemon's start, an earlier apply): sync() returns after them."""
        self.recorder.sync()
        self.recorder.clear()

    def next_run_signals(self):
        return [args[1]['NextRun'] for args in self.recorder.named('PropertiesChanged')
                if 'NextRun' in args[1]]


class BootTest(TriggerTestCase):

    def prepare(self, active=True):
        """A daemon whose settings name the server's URL, stopped again: the next
        start is a boot as the test sets the boot id."""
        self.server.add_document('/boot.xml', execution_patch('3:30', days=False))
        daemon = self.start_triggers_daemon()
        daemon.apply(execution_patch('3:30', url=self.server.url('/boot.xml'), days=False, active=active))
        daemon.stop()
        self.assertEqual([], self.server.requests, 'a start within the same boot ran')
        return daemon

    def test_first_start_after_boot_runs_once(self):
        daemon = self.prepare()

        daemon.set_boot_id('b00700b0-0000-4000-8000-000000000002')
        daemon.start()
        status = self.wait_status(lambda s: s['LastRunFinished'] != 0, 'the boot run to end')

        self.assertEqual(1, status['RunId'])
        self.assertEqual('boot', status['Trigger'])
        self.assertEqual('success', status['LastResult'], daemon.log_tail(40))
        self.assertEqual(['/boot.xml'], self.server.paths())
        with open(os.path.join(daemon.runtime_dir, 'boot-id')) as f:
            self.assertEqual('b00700b0-0000-4000-8000-000000000002', f.read().strip())

    def test_restart_within_the_same_boot_does_not_run(self):
        daemon = self.prepare()
        daemon.set_boot_id('b00700b0-0000-4000-8000-000000000003')
        daemon.start()
        self.wait_status(lambda s: s['LastRunFinished'] != 0, 'the boot run to end')

        daemon.restart()

        # The boot run would start before the daemon answers any call.
        status = daemon.status()
        self.assertEqual(0, status['RunId'])
        self.assertEqual('', status['Trigger'])
        self.assertEqual(['/boot.xml'], self.server.paths())
        self.assertIn('started again within the same boot', daemon.log_text())

    def test_no_boot_run_when_provisioning_is_not_active(self):
        daemon = self.prepare(active=False)

        daemon.set_boot_id('b00700b0-0000-4000-8000-000000000004')
        daemon.start()

        status = daemon.status()
        self.assertEqual(0, status['RunId'])
        self.assertEqual(0, status['NextRun'])
        self.assertEqual([], self.server.paths())

    def test_unreadable_boot_id_falls_back_to_the_marker(self):
        daemon = self.prepare()
        os.unlink(daemon.boot_id_path)
        os.unlink(os.path.join(daemon.runtime_dir, 'boot-id'))

        daemon.start()
        self.wait_status(lambda s: s['LastRunFinished'] != 0, 'the boot run to end')
        daemon.restart()

        self.assertEqual(0, daemon.status()['RunId'])
        self.assertEqual(['/boot.xml'], self.server.paths())


class ScheduleTest(TriggerTestCase):

    def start_with_minute_ahead(self):
        """A daemon whose TZ has a seconds offset such that a whole local minute
        is SLOT_LEAD_SECONDS ahead, at local time about 15:00 (far from the
        default night-time schedule). Returns (offset, first slot in s)."""
        slot = int(time.time()) + SLOT_LEAD_SECONDS
        hours = (15 - time.gmtime(slot).tm_hour + 36) % 24 - 12
        offset = hours * 3600 + (60 - slot % 60) % 60
        self.start_triggers_daemon(tz=posix_tz(offset))
        return offset

    def schedule_soon(self, offset, path):
        """Applies a schedule for the next whole local minute at least a few
        seconds ahead; again for a later minute if the machine was too slow.
        Returns the slot (s since the epoch)."""
        for _attempt in range(SLOT_ATTEMPTS):
            now = int(time.time()) + 3
            slot = now + (60 - (now + offset) % 60) % 60
            self.daemon.apply(execution_patch(local_time_of(slot, offset), url=self.server.url(path)))
            next_run = self.daemon.status()['NextRun']
            if next_run == slot * 1_000_000:
                return slot
            self.assertEqual(slot + 86400, next_run // 1_000_000,
                             'NextRun is neither the slot nor, if it passed meanwhile, the next day\'s')
        self.fail(f'could not apply a schedule before its slot in {SLOT_ATTEMPTS} attempts')

    def test_scheduled_run_fires(self):
        self.server.add_document('/scheduled.xml', TELEPHONY_PATCH)
        offset = self.start_with_minute_ahead()
        slot = self.schedule_soon(offset, '/scheduled.xml')

        request = self.server.wait_for_request('/scheduled.xml', timeout=(slot - time.time()) + RUN_TIMEOUT)
        status = self.wait_status(lambda s: s['LastRunFinished'] != 0, 'the scheduled run to end')

        self.assertGreaterEqual(time.time() + 1, slot, 'the run started before its slot')
        self.assertIsNotNone(request)
        self.assertEqual('schedule', status['Trigger'])
        self.assertEqual('success', status['LastResult'], self.daemon.log_tail(40))
        self.assertGreaterEqual(status['LastRunStarted'], slot * 1_000_000)
        # Every day at the same local time: the same slot tomorrow.
        self.assertEqual((slot + 86400) * 1_000_000, status['NextRun'])
        self.assertIn((slot + 86400) * 1_000_000, self.next_run_signals())

    def test_failed_scheduled_run_is_retried_with_backoff(self):
        self.server.add('/missing.xml', status=404)
        offset = self.start_with_minute_ahead()
        slot = self.schedule_soon(offset, '/missing.xml')

        self.server.wait_for_request('/missing.xml', timeout=(slot - time.time()) + RUN_TIMEOUT)
        first = self.wait_status(lambda s: s['LastRunFinished'] != 0, 'the scheduled run to fail')

        self.assertEqual(('schedule', 'failed'), (first['Trigger'], first['LastResult']))
        delay = first['NextRun'] - first['LastRunFinished']
        self.assertGreaterEqual(delay, RETRY_MIN_US, 'retry 1 waits at least 5 s')
        self.assertLessEqual(delay, RETRY_MAX_US + CLOCK_SLACK_US, 'retry 1 waits at most 10 s')

        # The retry comes, fails again, and waits 10-20 s.
        second = self.wait_status(lambda s: s['RunId'] == 2 and s['LastRunFinished'] > first['LastRunFinished'],
                                  'the retry to fail', timeout=RETRY_MAX_US / 1e6 + RUN_TIMEOUT)
        self.assertEqual('schedule', second['Trigger'])
        self.assertGreaterEqual(second['LastRunStarted'], first['NextRun'])
        self.assertEqual(2, len(self.server.requests_for('/missing.xml')))
        delay = second['NextRun'] - second['LastRunFinished']
        self.assertGreaterEqual(delay, 2 * RETRY_MIN_US)
        self.assertLessEqual(delay, 2 * RETRY_MAX_US + CLOCK_SLACK_US)

        # A success resets the backoff: NextRun is the schedule again.
        self.server.add_document('/ok.xml', TELEPHONY_PATCH)
        run_id = self.daemon.start_provisioning({'url': self.server.url('/ok.xml')})
        self.recorder.wait_for_run_end(run_id, RUN_TIMEOUT)
        self.assertEqual((slot + 86400) * 1_000_000, self.daemon.status()['NextRun'])


class NextRunTest(TriggerTestCase):

    def setUp(self):
        super().setUp()
        self.start_triggers_daemon()
        self.offset = tz_offset_seconds(self.daemon.tz)

    def expected(self, time_of_day):
        hours, minutes = (int(part) for part in time_of_day.split(':'))
        return next_local_time(int(time.time()), self.offset, hours, minutes) * 1_000_000

    def test_default_schedule_is_3_30_plus_random_delay(self):
        slot = self.expected('3:30')
        next_run = self.daemon.status()['NextRun']
        self.assertGreaterEqual(next_run, slot + 60 * 1_000_000)
        self.assertLessEqual(next_run, slot + 3600 * 1_000_000)
        self.assertEqual(next_run, self.daemon.get_property('NextRun'))

    def test_patch_of_execution_time_changes_next_run(self):
        self.forget_signals()
        self.daemon.apply(execution_patch('4:15'))
        self.recorder.sync()

        self.assertEqual(self.expected('4:15'), self.daemon.status()['NextRun'])
        self.assertEqual([self.expected('4:15')], self.next_run_signals())

    def test_random_delay_stays_in_its_bounds(self):
        self.daemon.apply(execution_patch('1:00', random_delay=(120, 180)))
        next_run = self.daemon.status()['NextRun']
        self.assertGreaterEqual(next_run, self.expected('1:00') + 120 * 1_000_000)
        self.assertLessEqual(next_run, self.expected('1:00') + 180 * 1_000_000)

    def test_no_weekday_or_inactive_means_no_next_run(self):
        self.daemon.apply(execution_patch('4:15', days=False))
        self.assertEqual(0, self.daemon.status()['NextRun'])
        self.daemon.apply(execution_patch('4:15', days=True))
        self.assertNotEqual(0, self.daemon.status()['NextRun'])
        self.daemon.apply(execution_patch('4:15', days=True, active=False))
        self.assertEqual(0, self.daemon.status()['NextRun'])

    def test_a_run_that_changes_the_schedule_changes_next_run(self):
        self.daemon.apply(execution_patch('4:15'))
        self.server.add_document('/schedule.xml', execution_patch('2:05'))
        self.forget_signals()

        run_id = self.daemon.start_provisioning({'url': self.server.url('/schedule.xml')})
        member, _args = self.recorder.wait_for_run_end(run_id, RUN_TIMEOUT)
        self.recorder.sync()

        self.assertEqual('Finished', member, self.daemon.log_tail(40))
        self.assertEqual(self.expected('2:05'), self.daemon.status()['NextRun'])
        self.assertEqual([self.expected('2:05')], self.next_run_signals())
        # NextRun follows the run's SectionApplied for provisioning.
        members = [name for name, args in self.recorder.signals
                   if name == 'SectionApplied' or (name == 'PropertiesChanged' and 'NextRun' in args[1])]
        self.assertEqual(['SectionApplied', 'PropertiesChanged'], members)

    def test_restart_keeps_the_schedule(self):
        self.daemon.apply(execution_patch('4:15'))
        self.daemon.restart()
        self.assertEqual(self.expected('4:15'), self.daemon.status()['NextRun'])


if __name__ == '__main__':
    harness.main()
