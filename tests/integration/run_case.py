# SPDX-License-Identifier: LGPL-2.1-or-later
"""Shared setup of the provisioning-run tests: a daemon configured as a D200
with small limits, two provisioning servers (the second stands in for another
host), a signal recorder, and assertions about how a run ended."""

import dataclasses
import re
import time

import harness
import httpd
from harness import DaemonTestCase, SignalRecorder, parse_xml, sections_of

MAC = '00:09:52:00:00:0E'
MAC_IN_URLS = '00095200000E'
SERIAL = 'SN123'
DEVICE_TYPE = 'D200'

DEVICE = {'MAC': MAC, 'Serial': SERIAL, 'Type': DEVICE_TYPE}
# Small limits keep the fault tests fast.
LIMITS = {'ConnectTimeout': 2, 'FileTimeout': 2, 'MaxRedirects': 3, 'MaxFiles': 8,
          'MaxReferenceDepth': 3}

RUN_TIMEOUT = 15.0
# How long the daemon may take to close a download it gave up (cancelled, too large).
ABORT_TIMEOUT = 3.0
STAGES = ('downloading', 'applying', 'committing', 'done')
FILE_K_OF_N = re.compile(r'file (\d+) of (\d+)')


def error_name(short):
    return harness.ERROR_PREFIX + short


def run_config(limits=None, tls=None):
    config = {'Device': dict(DEVICE), 'Limits': {**LIMITS, **(limits or {})}}
    if tls is not None:
        config['TLS'] = dict(tls)
    return config


def runs_fixture_path(name):
    return harness.source_path('tests', 'data', 'runs', name)


def runs_fixture(name, **substitutions):
    """tests/data/runs/name with each @KEY@ replaced by substitutions[KEY]."""
    with open(runs_fixture_path(name), 'rb') as f:
        data = f.read()
    for key, value in substitutions.items():
        data = data.replace(f'@{key}@'.encode('ascii'), value.encode('utf-8'))
    return data


def project_version():
    """The version in the project() call of the top-level meson.build."""
    with open(harness.source_path('meson.build'), encoding='utf-8') as f:
        match = re.search(r"project\([^)]*?version\s*:\s*'([^']+)'", f.read(), re.S)
    return match.group(1)


def provisioning_document(**leaves):
    """A patch setting /provisioning/<key> for each keyword (url, username, password)."""
    children = ''.join(f'<{key}>{value}</{key}>' for key, value in leaves.items())
    return (f'<?xml version="1.0" encoding="UTF-8"?>'
            f'<configuration><provisioning>{children}</provisioning></configuration>').encode('utf-8')


def telephony_patch(active=None, tone=None):
    """A patch of /telephony/callWaiting."""
    children = ''
    if active is not None:
        children += f'<active>{"true" if active else "false"}</active>'
    if tone is not None:
        children += f'<tone>{"true" if tone else "false"}</tone>'
    return (f'<?xml version="1.0" encoding="UTF-8"?><configuration><telephony>'
            f'<callWaiting>{children}</callWaiting></telephony></configuration>').encode('utf-8')


def reference_document(*urls):
    body = ''.join(f'<URL>{url}</URL>' for url in urls)
    return f'<?xml version="1.0" encoding="UTF-8"?><referencedSettings>{body}</referencedSettings>'.encode(
        'utf-8')


def settings_leaves(daemon):
    """path -> value of every stored setting ('section/...'), without the
    section version attributes."""
    result = {}
    for element in daemon.settings_sections().values():
        result.update(harness.leaves(element))
    return result


def now_us():
    return int(time.time() * 1_000_000)


@dataclasses.dataclass
class RunOutcome:
    run_id: int
    member: str  # 'Finished' or 'Failed'
    args: tuple
    progress: list  # [(stage, percent, detail)]
    section_applied: list  # [(section, version, how)]
    started_us: int
    ended_us: int

    @property
    def error_name(self):
        return self.args[1] if self.member == 'Failed' else None

    @property
    def error_message(self):
        return self.args[2] if self.member == 'Failed' else None

    @property
    def sections_changed(self):
        return self.args[1] if self.member == 'Finished' else None


class RunTestCase(DaemonTestCase):
    """Each test gets its own daemon (configured by limits and tls), the
    servers self.server and self.other_server, and self.recorder."""

    limits = None
    tls = None

    def setUp(self):
        self.server = httpd.start_server(self)
        self.other_server = httpd.start_server(self)
        self.daemon = self.start_daemon()

    def start_daemon(self, limits=None, tls=None):
        daemon = harness.start_daemon(self, config=run_config({**(self.limits or {}), **(limits or {})},
                                                               tls if tls is not None else self.tls))
        self.recorder = SignalRecorder()
        self.addCleanup(self.recorder.close)
        return daemon

    # -- running --

    def start_run(self, url=None, **options):
        if url is not None:
            options['url'] = url
        return self.daemon.start_provisioning(options)

    def wait_run(self, run_id, started_us=0, timeout=RUN_TIMEOUT):
        member, args = self.recorder.wait_for_run_end(run_id, timeout)
        ended_us = now_us()
        # SectionApplied and Progress come before the end; sync anyway so a
        # late signal of this run would be seen by the assertions.
        self.recorder.sync()
        return RunOutcome(run_id, member, tuple(args),
                          [tuple(args[1:]) for args in self.recorder.of_run('Progress', run_id)],
                          [tuple(args[1:]) for args in self.recorder.of_run('SectionApplied', run_id)],
                          started_us, ended_us)

    def provision(self, url=None, timeout=RUN_TIMEOUT, **options):
        """StartProvisioning and wait for the run's end; returns a RunOutcome."""
        started_us = now_us()
        run_id = self.start_run(url, **options)
        return self.wait_run(run_id, started_us, timeout)

    # -- assertions --

    def assertFinished(self, outcome, sections_changed=None):
        self.assertEqual('Finished', outcome.member,
                         f'run {outcome.run_id} failed: {outcome.args}\n{self.daemon.log_tail(40)}')
        if sections_changed is not None:
            self.assertEqual(sections_changed, outcome.sections_changed)
        self.assertEqual(len(outcome.section_applied), outcome.sections_changed,
                         'Finished counts the SectionApplied signals')
        status = self.daemon.status()
        self.assertEqual('success', status['LastResult'])
        self.assertEqual(('', ''), tuple(status['LastError']))
        self.assertEqual('idle', status['State'])

    def assertFailedRun(self, outcome, short_name, stored_before):
        """The run ended with Failed(run, name, message): no SectionApplied,
        GetStatus reports the failure, the state dir is byte-identical and the
        daemon still answers. Returns the message."""
        name = error_name(short_name)
        self.assertEqual(('Failed', name), (outcome.member, outcome.error_name),
                         f'run {outcome.run_id} ended with {outcome.args}\n{self.daemon.log_tail(40)}')
        self.assertTrue(outcome.error_message, 'Failed carries a message')
        self.assertEqual([], outcome.section_applied)
        self.assertEqual(stored_before, self.daemon.state_snapshot(), 'the state dir changed')
        status = self.daemon.status()
        self.assertEqual('cancelled' if short_name == 'Cancelled' else 'failed', status['LastResult'])
        self.assertEqual(name, status['LastError'][0])
        self.assertEqual(outcome.error_message, status['LastError'][1])
        self.assertEqual('idle', status['State'])
        self.assertEqual(outcome.run_id, status['RunId'])
        return outcome.error_message

    def assertRunFails(self, url, short_name, **options):
        """Runs from url, asserts the failure (assertFailedRun); returns the outcome."""
        stored_before = self.daemon.state_snapshot()
        outcome = self.provision(url, **options)
        self.assertFailedRun(outcome, short_name, stored_before)
        return outcome

    def assertDownloadDropped(self, request, timeout=ABORT_TIMEOUT):
        """The daemon closed the connection of request (an httpd.RecordedRequest)
        while its body was being sent, instead of reading on."""
        deadline = time.monotonic() + timeout
        while not request.aborted:
            if time.monotonic() > deadline:
                self.fail(f'the daemon did not drop the download of {request.path} within {timeout} s')
            time.sleep(0.02)

    def assertProgressWellFormed(self, outcome):
        """Stages in order, percent never down, 100 only in the last (done)."""
        progress = outcome.progress
        self.assertTrue(progress, 'no Progress signal')
        stage_ranks = [STAGES.index(stage) for stage, _, _ in progress]
        self.assertEqual(sorted(stage_ranks), stage_ranks, f'stages out of order: {progress}')
        percents = [percent for _, percent, _ in progress]
        self.assertEqual(sorted(percents), percents, f'percent went down: {progress}')
        self.assertEqual(('done', 100), progress[-1][:2])
        self.assertNotIn(100, percents[:-1], f'100 before the last Progress: {progress}')

    # -- settings --

    def apply(self, document):
        return self.daemon.apply(document)

    def set_credentials(self, username, password):
        self.apply(provisioning_document(username=username, password=password))

    def stored_sections(self):
        return sections_of(parse_xml(self.daemon.settings_bytes()))


def signal_texts(recorder):
    """Every string argument of every recorded signal (recursively), for
    checks that something never appears."""
    texts = []

    def collect(value):
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                collect(key)
                collect(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                collect(item)

    for member, args in recorder.signals:
        texts.append(member)
        collect(args)
    return texts
