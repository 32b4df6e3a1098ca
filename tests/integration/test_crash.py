# SPDX-License-Identifier: LGPL-2.1-or-later
"""Crash consistency: the daemon is killed (SIGKILL) at a random moment, 0 to
50 ms after an ApplyFile or a provisioning run started, again and again on the
same state directory. After every kill the daemon must start again, no temp
file may remain, the settings must be exactly the state before or the state
after that apply, and SettingsGeneration must have advanced if and only if the
settings changed. The daemon keeps 3 settings generations, so that nearly every
commit also prunes one: after every kill each kept generation must be readable
and hold exactly what that generation committed, the current settings must be
the newest kept one, and ListGenerations must list exactly the files kept.

PROVISIOND_CRASH_KILLS sets the number of kills (default 100; tools/torture
runs many more), PROVISIOND_CRASH_SEED the random seed (printed on failure)."""

import os
import random
import re
import signal
import tempfile
import shutil
import time

from gi.repository import Gio, GLib

import harness
import httpd
from harness import BUS_NAME, INTERFACE, OBJECT_PATH, DaemonTestCase
from run_case import reference_document, run_config, telephony_patch

KILLS = int(os.environ.get('PROVISIOND_CRASH_KILLS', '100'))
SEED = int(os.environ.get('PROVISIOND_CRASH_SEED', str(random.SystemRandom().randrange(1 << 32))))
MAX_KILL_DELAY = 0.050

# The counters settings.xml carries before its root element (service/store.h).
STATE_PI = re.compile(rb'<\?provisiond generation="(\d+)" last-change="(\d+)"\?>\n?')
TEMP_FILES = ('settings.xml.tmp', 'settings.meta.tmp')
KEEP = 3
GENERATION_FILE = re.compile(r'(\d+)\.(xml|meta)')


def operations_document(active, tone):
    def replace(leaf, value):
        return (f'<replace path="/telephony/callWaiting/{leaf}">'
                f'<{leaf}>{"true" if value else "false"}</{leaf}></replace>')
    return (f'<operations>{replace("active", active)}{replace("tone", tone)}</operations>').encode('utf-8')


def split_settings(data):
    """(settings without the counters, generation) of a settings.xml."""
    match = STATE_PI.search(data)
    if match is None:
        return data, None
    return data[:match.start()] + data[match.end():], int(match.group(1))


class CrashTest(DaemonTestCase):

    def setUp(self):
        self.server = httpd.start_server(self)
        self.state_dir = tempfile.mkdtemp(prefix='provisiond-itest-crash-')
        self.addCleanup(shutil.rmtree, self.state_dir, True)
        config = run_config()
        config['Generations'] = {'Keep': KEEP}
        self.daemon = harness.Daemon(state_dir=self.state_dir, config=config)
        self.addCleanup(self.daemon.close)
        self.random = random.Random(SEED)
        # Every action sets both leaves of /telephony/callWaiting, so the state
        # after it does not depend on the state before.
        self.server.add_document('/ff.xml', telephony_patch(active=False, tone=False))
        self.server.add_document('/references.xml', reference_document('ft.xml'))
        self.server.add_document('/ft.xml', telephony_patch(active=False, tone=True))
        self.actions = {
            'apply patch (true, true)': lambda: self.send_apply(telephony_patch(active=True, tone=True)),
            'apply operations (true, false)': lambda: self.send_apply(operations_document(True, False)),
            'run of a patch (false, false)': lambda: self.send_run(self.server.url('/ff.xml')),
            'run of references (false, true)': lambda: self.send_run(self.server.url('/references.xml')),
        }

    # -- sending without waiting for the reply --

    def send(self, method, parameters, fd_list=None):
        self.daemon.connection.call_with_unix_fd_list(
            BUS_NAME, OBJECT_PATH, INTERFACE, method, parameters, None, Gio.DBusCallFlags.NONE,
            int(harness.CALL_TIMEOUT * 1000), fd_list, None, None, None)
        self.daemon.connection.flush_sync(None)

    def send_apply(self, document):
        path = self.daemon.scratch_file(document)
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            fd_list = Gio.UnixFDList.new()
            index = fd_list.append(fd)
            self.send('ApplyFile', GLib.Variant('(ha{sv})', (index, {})), fd_list)
        finally:
            os.close(fd)

    def send_run(self, url):
        self.send('StartProvisioning', GLib.Variant('(a{sv})', ({'url': GLib.Variant('s', url)},)))

    # -- observing --

    def stored(self):
        """(settings without counters, generation in the file, SettingsGeneration)."""
        settings, file_generation = split_settings(self.daemon.settings_bytes())
        return settings, file_generation, self.daemon.status()['SettingsGeneration']

    def wait_idle(self):
        harness.pump_until(lambda: self.daemon.status()['State'] == 'idle', 30, 'the daemon to be idle')

    def assertNoTempFiles(self, msg):
        left = [name for name in TEMP_FILES if os.path.exists(os.path.join(self.state_dir, name))]
        self.assertEqual([], left, msg)

    def generations_dir(self):
        return os.path.join(self.state_dir, 'generations')

    def kept_files(self, msg):
        """generation -> set of suffixes ('xml', 'meta') of the files kept; nothing else may be there."""
        kept = {}
        for name in os.listdir(self.generations_dir()):
            match = GENERATION_FILE.fullmatch(name)
            self.assertIsNotNone(match, f'{msg}: unexpected file generations/{name}')
            kept.setdefault(int(match.group(1)), set()).add(match.group(2))
        return kept

    def note_committed(self, committed, msg):
        """Remembers settings.xml as what its generation committed; a generation seen
        before must have the same bytes (a generation never changes)."""
        data = self.daemon.settings_bytes()
        _, generation = split_settings(data)
        self.assertEqual(committed.setdefault(generation, data), data, f'{msg}: generation {generation} changed')

    def assertGenerationsIntact(self, committed, msg):
        """Every kept generation readable and exactly what it committed; the newest is the
        current settings; ListGenerations lists exactly the kept files."""
        kept = self.kept_files(msg)
        current = self.daemon.status()['SettingsGeneration']
        for generation, suffixes in kept.items():
            self.assertEqual({'xml', 'meta'}, suffixes, f'{msg}: generation {generation} incomplete')
            with open(os.path.join(self.generations_dir(), f'{generation}.xml'), 'rb') as f:
                data = f.read()
            harness.parse_xml(data)
            self.assertEqual(generation, split_settings(data)[1], f'{msg}: generations/{generation}.xml')
            self.assertIn(generation, committed, f'{msg}: generation {generation} was never committed')
            self.assertEqual(committed[generation], data, f'{msg}: generation {generation} is not what it committed')
        self.assertEqual(current, max(kept), f'{msg}: the current settings are not the newest generation')
        self.assertLessEqual(len(kept), KEEP, msg)
        (listed,) = harness.call(self.daemon.connection, 'ListGenerations', None, '(a(ta{sv}))')
        self.assertEqual(sorted(kept), [generation for generation, _ in listed], msg)

    def learn_states(self):
        """The settings after each action, done without a kill; twice, in two
        orders, to check that they do not depend on the state before."""
        states = {}
        for order in (list(self.actions), list(reversed(self.actions))):
            for name in order:
                self.actions[name]()
                self.wait_idle()
                self.note_committed(self.committed, name)
                settings, _, _ = self.stored()
                self.assertEqual(states.setdefault(name, settings), settings, f'{name} is not deterministic')
        self.assertEqual(len(self.actions), len(set(states.values())), 'two actions give the same settings')
        return states

    def test_kills_during_applies_and_runs(self):
        self.daemon.start()
        self.committed = {}
        self.note_committed(self.committed, 'first start')
        after_states = self.learn_states()
        outcomes = {'before': 0, 'after': 0}
        for kill in range(KILLS):
            name = self.random.choice(list(after_states))
            delay = self.random.uniform(0, MAX_KILL_DELAY)
            context = f'seed {SEED}, kill {kill}: {name}, killed after {delay * 1000:.1f} ms'
            before, _, generation_before = self.stored()

            self.actions[name]()
            time.sleep(delay)
            self.daemon.process.send_signal(signal.SIGKILL)
            self.daemon.wait_exit()
            harness.drain_main_context()

            self.daemon.start()
            self.assertNoTempFiles(context)
            self.note_committed(self.committed, context)
            self.assertGenerationsIntact(self.committed, context)
            settings, file_generation, generation = self.stored()
            self.assertEqual(file_generation, generation, context)
            self.assertEqual('idle', self.daemon.status()['State'], context)
            if settings == after_states[name] and settings != before:
                outcomes['after'] += 1
                self.assertEqual(generation_before + 1, generation, f'{context}: changed, generation not advanced')
            else:
                outcomes['before'] += 1
                self.assertEqual(before, settings, f'{context}: neither the state before nor the one after')
                self.assertEqual(generation_before, generation, f'{context}: unchanged, generation advanced')
        interrupted = self.daemon.log_text().count('its commit was interrupted')
        print(f'{KILLS} kills (seed {SEED}): {outcomes["before"]} left the state before, '
              f'{outcomes["after"]} the state after; {interrupted} found a generation kept by a commit '
              f'killed before its rename')


if __name__ == '__main__':
    harness.main()
