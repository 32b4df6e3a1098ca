# SPDX-License-Identifier: LGPL-2.1-or-later
"""Settings generations (docs/generations.md): every commit is kept in
STATE_DIR/generations with what it was for; ListGenerations, Rollback (a new
commit, so it can be rolled back in turn), DiffGenerations; pruning by count
and size; and provisionctl history, rollback and diff."""

import json
import os
import re
import shutil
import subprocess
import tempfile

from gi.repository import GLib

import harness
import httpd
from harness import DaemonTestCase, SignalRecorder, call
from run_case import run_config, telephony_patch

UNKNOWN_GENERATION = harness.ERROR_PREFIX + 'UnknownGeneration'
VALIDATION = harness.ERROR_PREFIX + 'Validation'
VERSIONS_DATA = ('tests', 'data', 'versions')
STATE_PI = re.compile(rb'<\?provisiond generation="(\d+)" last-change="(\d+)"\?>')


def identity_patch(displayname, password):
    return ('<?xml version="1.0" encoding="UTF-8"?><configuration><identities><identity>'
            f'<displayname>{displayname}</displayname><password>{password}</password>'
            '</identity></identities></configuration>').encode('utf-8')


def read_source(*parts):
    with open(harness.source_path(*parts), 'rb') as f:
        return f.read()


def provisionctl(*args):
    return subprocess.run([harness.provisionctl_binary(), '--system', *args], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)


class GenerationsTest(DaemonTestCase):

    def start(self, generations=None, config=None):
        config = dict(config or {})
        if generations is not None:
            config['Generations'] = generations
        self.daemon = harness.start_daemon(self, config=config)
        return self.daemon

    # -- helpers --

    def generations_dir(self):
        return os.path.join(self.daemon.state_dir, 'generations')

    def generation_file(self, generation, suffix='.xml'):
        return os.path.join(self.generations_dir(), f'{generation}{suffix}')

    def generation_bytes(self, generation):
        with open(self.generation_file(generation), 'rb') as f:
            return f.read()

    def list_generations(self):
        (generations,) = call(self.daemon.connection, 'ListGenerations', None, '(a(ta{sv}))')
        return [(number, info) for number, info in generations]

    def numbers(self):
        return [number for number, _ in self.list_generations()]

    def info(self, generation):
        return dict(self.list_generations())[generation]

    def rollback(self, generation, options=None):
        (sections,) = call(self.daemon.connection, 'Rollback',
                           GLib.Variant('(ta{sv})', (generation, options or {})), '(a(sss))')
        return [tuple(section) for section in sections]

    def diff(self, from_generation, to_generation):
        (differences,) = call(self.daemon.connection, 'DiffGenerations',
                              GLib.Variant('(tt)', (from_generation, to_generation)), '(a(ssss))')
        return [tuple(difference) for difference in differences]

    def files_on_disk(self):
        return sorted(os.listdir(self.generations_dir()))

    def assertKeptFilesAre(self, numbers):
        expected = sorted([f'{n}.xml' for n in numbers] + [f'{n}.meta' for n in numbers])
        self.assertEqual(expected, self.files_on_disk())

    def assertGenerationIsCurrentSettings(self, generation):
        self.assertEqual(self.daemon.settings_bytes(), self.generation_bytes(generation))

    # -- what is kept --

    def test_first_start_keeps_the_factory_defaults_as_generation_1(self):
        self.start()
        generations = self.list_generations()

        self.assertEqual([1], [number for number, _ in generations])
        info = generations[0][1]
        self.assertEqual('defaults', info['trigger'])
        self.assertEqual(sorted(self.daemon.settings_sections()), sorted(info['sections']))
        self.assertEqual(self.daemon.status()['LastChange'], info['time'])
        self.assertGenerationIsCurrentSettings(1)
        self.assertKeptFilesAre([1])

    def test_apply_keeps_a_generation_with_what_it_was_for(self):
        self.start()
        self.daemon.apply(telephony_patch(active=False))

        self.assertEqual([1, 2], self.numbers())
        info = self.info(2)
        self.assertEqual('apply', info['trigger'])
        self.assertEqual('file', info['source'])
        self.assertEqual('', info['url'])
        self.assertEqual(0, info['run_id'])
        self.assertEqual(['telephony'], info['sections'])
        self.assertEqual(self.daemon.status()['LastChange'], info['time'])
        self.assertNotIn('restored', info)
        self.assertGenerationIsCurrentSettings(2)
        match = STATE_PI.search(self.generation_bytes(2))
        self.assertEqual(b'2', match.group(1))

    def test_apply_that_changes_nothing_keeps_no_generation(self):
        self.start()
        self.daemon.apply(telephony_patch(active=True))  # the factory default
        self.assertEqual([1], self.numbers())

    def test_run_records_trigger_source_redacted_url_and_run_id(self):
        server = httpd.start_server(self)
        server.add_document('/ff.xml', telephony_patch(active=False, tone=False))
        self.start(config=run_config())
        url = server.url('/ff.xml').replace('http://', 'http://admin:s3cret@')
        recorder = SignalRecorder()
        self.addCleanup(recorder.close)

        run_id = self.daemon.start_provisioning({'url': url, 'trigger': 'boot'})
        self.assertEqual('Finished', recorder.wait_for_run_end(run_id, timeout=30)[0])

        info = self.info(2)
        self.assertEqual('boot', info['trigger'])
        self.assertEqual('manual', info['source'])
        self.assertEqual(server.url('/ff.xml'), info['url'])
        self.assertEqual(run_id, info['run_id'])
        self.assertEqual(['telephony'], info['sections'])
        with open(self.generation_file(2, '.meta'), 'rb') as f:
            self.assertNotIn(b's3cret', f.read())

    def test_history_is_the_same_after_a_restart(self):
        self.start()
        self.daemon.apply(telephony_patch(active=False))
        self.daemon.apply(telephony_patch(tone=False))
        before = self.list_generations()

        self.daemon.restart()

        self.assertEqual(before, self.list_generations())
        self.assertEqual([1, 2, 3], self.numbers())
        self.assertGenerationIsCurrentSettings(3)

    # -- rollback --

    def test_rollback_restores_a_generation_as_a_new_one_and_can_be_rolled_back(self):
        self.start()
        self.daemon.apply(telephony_patch(active=False))
        settings_2 = self.daemon.settings_sections()
        self.daemon.apply(telephony_patch(tone=False))
        settings_3 = self.daemon.settings_sections()
        version = harness.current_section_versions()['telephony']
        recorder = SignalRecorder()
        self.addCleanup(recorder.close)

        reply = self.rollback(2)

        self.assertEqual([('telephony', version, 'rollback')], reply)
        recorder.sync()
        self.assertEqual([(0, 'telephony', version, 'rollback')], recorder.named('SectionApplied'))
        self.assertSectionsEqual(settings_2, self.daemon.settings_sections())
        self.assertEqual(4, self.daemon.status()['SettingsGeneration'])
        info = self.info(4)
        self.assertEqual('rollback', info['trigger'])
        self.assertEqual('generation 2', info['source'])
        self.assertEqual(2, info['restored'])
        self.assertEqual(['telephony'], info['sections'])
        self.assertGenerationIsCurrentSettings(4)

        # The rollback is a generation like any other: roll it back.
        self.assertEqual([('telephony', version, 'rollback')], self.rollback(3))
        self.assertSectionsEqual(settings_3, self.daemon.settings_sections())
        self.assertEqual([1, 2, 3, 4, 5], self.numbers())
        self.assertEqual(3, self.info(5)['restored'])

    def test_rollback_to_the_current_generation_changes_nothing(self):
        self.start()
        self.daemon.apply(telephony_patch(active=False))
        before = self.daemon.settings_bytes()

        self.assertEqual([], self.rollback(2))

        self.assertEqual(before, self.daemon.settings_bytes())
        self.assertEqual([1, 2], self.numbers())

    def test_unknown_generation_is_refused_and_changes_nothing(self):
        self.start()
        self.daemon.apply(telephony_patch(active=False))
        before = self.daemon.settings_bytes()

        with self.assertDBusError(UNKNOWN_GENERATION) as caught:
            self.rollback(7)
        self.assertIn('generation 7 is not kept', caught['message'])
        with self.assertDBusError(UNKNOWN_GENERATION):
            self.diff(1, 7)
        with self.assertDBusError(UNKNOWN_GENERATION):
            self.rollback(0)

        self.assertEqual(before, self.daemon.settings_bytes())
        self.assertEqual([1, 2], self.numbers())
        self.assertEqual(UNKNOWN_GENERATION, self.daemon.status()['LastError'][0])

    def test_unknown_option_is_invalid_args(self):
        self.start()
        with self.assertDBusError(harness.INVALID_ARGS) as caught:
            self.rollback(1, {'force': GLib.Variant('b', True)})
        self.assertIn("unknown option 'force'", caught['message'])

    def test_invalid_generation_is_validation_and_nothing_changes(self):
        self.start()
        self.daemon.apply(telephony_patch(active=False))
        self.daemon.apply(telephony_patch(tone=False))
        # Generation 2 damaged on disk (written as a new file: it must not touch the others).
        damaged = self.generation_bytes(2).replace(b'<registrarPort>5060</registrarPort>',
                                                   b'<registrarPort>70000</registrarPort>', 1)
        self.assertIn(b'70000', damaged)
        replacement = self.generation_file(2) + '.new'
        with open(replacement, 'wb') as f:
            f.write(damaged)
        os.rename(replacement, self.generation_file(2))
        before = self.daemon.settings_bytes()

        with self.assertDBusError(VALIDATION) as caught:
            self.rollback(2)
        self.assertIn('identities', caught['message'])

        self.assertEqual(before, self.daemon.settings_bytes())
        self.assertEqual([1, 2, 3], self.numbers())

    def test_a_generation_of_an_older_release_is_migrated_by_the_rollback(self):
        # A phone provisioned by release 1.10A (settings.xml without counters, settings.meta
        # with them): its settings become generation 7 as they are, migrated as generation 8.
        store = read_source(*VERSIONS_DATA, 'store-1.10A.xml')
        expected = harness.sections_of(harness.parse_xml(read_source(*VERSIONS_DATA, 'expected-from-1.10A.xml')))
        state_dir = tempfile.mkdtemp(prefix='provisiond-itest-generations-')
        self.addCleanup(shutil.rmtree, state_dir, True)
        with open(os.path.join(state_dir, 'settings.xml'), 'wb') as f:
            f.write(store)
        with open(os.path.join(state_dir, 'settings.meta'), 'w') as f:
            f.write('[Settings]\nGeneration=7\nLastChange=1700000000000000\n')
        self.daemon = harness.start_daemon(self, state_dir=state_dir)
        self.assertEqual([7, 8], self.numbers())
        self.assertEqual('start', self.info(7)['trigger'])
        self.assertEqual('migration', self.info(8)['trigger'])
        self.assertEqual(store, self.generation_bytes(7))
        self.daemon.apply(identity_patch('Zed', 'zed-secret'))

        reply = self.rollback(7)

        version = harness.current_section_versions()['identities']
        self.assertEqual([('identities', version, 'rollback')], reply)
        self.assertSectionsEqual(expected, self.daemon.settings_sections())

    # -- pruning --

    def test_only_the_last_keep_generations_are_kept(self):
        self.start(generations={'Keep': 3})
        for i in range(5):
            self.daemon.apply(telephony_patch(active=i % 2 == 1))

        self.assertEqual([4, 5, 6], self.numbers())
        self.assertKeptFilesAre([4, 5, 6])
        self.assertGenerationIsCurrentSettings(6)
        with self.assertDBusError(UNKNOWN_GENERATION):
            self.rollback(3)

    def test_oldest_generations_go_first_past_max_bytes(self):
        self.start()
        size = sum(os.path.getsize(self.generation_file(1, suffix)) for suffix in ('.xml', '.meta'))
        # Room for two generations and a half: the third oldest goes.
        harness.write_config(self.daemon.config_path, {'Generations': {'MaxBytes': size * 5 // 2}})
        self.daemon.apply(telephony_patch(active=False))
        self.daemon.apply(telephony_patch(tone=False))
        self.assertEqual([1, 2, 3], self.numbers())  # the limit is read at start

        self.daemon.restart()

        self.assertEqual([2, 3], self.numbers())
        self.assertKeptFilesAre([2, 3])
        self.daemon.apply(telephony_patch(active=True))
        self.assertEqual([3, 4], self.numbers())
        self.assertKeptFilesAre([3, 4])

    def test_a_changed_keep_takes_effect_at_the_restart(self):
        # provisiond.conf is read only at start (no SIGHUP, no Reload: docs/generations.md):
        # the administrator edits it and restarts the service.
        self.start(generations={'Keep': 5})
        for i in range(4):
            self.daemon.apply(telephony_patch(active=i % 2 == 1))
        harness.write_config(self.daemon.config_path, harness.with_test_config({'Generations': {'Keep': 2}}))
        self.daemon.apply(telephony_patch(tone=False))
        self.assertEqual([2, 3, 4, 5, 6], self.numbers())  # still Keep=5 until the restart

        self.daemon.restart()

        # The start prunes at once, not only at the next commit.
        self.assertEqual([5, 6], self.numbers())
        self.assertKeptFilesAre([5, 6])
        self.assertGenerationIsCurrentSettings(6)
        # A higher Keep later keeps more from then on; what was removed stays removed.
        harness.write_config(self.daemon.config_path, harness.with_test_config({'Generations': {'Keep': 5}}))
        self.daemon.restart()
        self.assertEqual([5, 6], self.numbers())
        self.daemon.apply(telephony_patch(tone=True))
        self.assertEqual([5, 6, 7], self.numbers())

    def test_the_current_generation_is_kept_even_when_larger_than_max_bytes(self):
        self.start(generations={'MaxBytes': 1})
        self.daemon.apply(telephony_patch(active=False))
        self.assertEqual([2], self.numbers())
        self.assertKeptFilesAre([2])

    # -- leftovers of a crash --

    def test_start_removes_what_an_interrupted_commit_left(self):
        self.start()
        self.daemon.apply(telephony_patch(active=False))
        self.daemon.stop()
        # A commit killed after its generation was kept but before settings.xml was
        # replaced, and temp files and a lone meta of interrupted writes.
        for name, data in (('3.xml', b'<configuration/>'), ('3.meta', b'[Generation]\n'),
                           ('4.meta', b''), ('2.meta.K3X9QZ', b''), ('5.xml.tmp', b'')):
            with open(os.path.join(self.generations_dir(), name), 'wb') as f:
                f.write(data)

        self.daemon.start()

        self.assertEqual([1, 2], self.numbers())
        self.assertKeptFilesAre([1, 2])
        self.assertEqual(2, self.daemon.status()['SettingsGeneration'])

    def test_settings_without_a_generation_are_kept_at_start(self):
        self.start()
        self.daemon.apply(telephony_patch(active=False))
        self.daemon.stop()
        os.unlink(self.generation_file(2))
        os.unlink(self.generation_file(2, '.meta'))

        self.daemon.start()

        self.assertEqual([1, 2], self.numbers())
        self.assertEqual('start', self.info(2)['trigger'])
        self.assertGenerationIsCurrentSettings(2)

    # -- diff --

    def test_diff_names_each_setting_and_hides_passwords(self):
        self.start()
        self.daemon.apply(identity_patch('Alice', 'first-secret'))
        self.daemon.apply(telephony_patch(active=False))
        self.daemon.apply(identity_patch('Bob', 'second-secret'))

        # In the order of the settings: sections, then elements.
        self.assertEqual([
            ('/identities/identity[1]/password', 'secret', '', ''),
            ('/identities/identity[1]/displayname', 'changed', 'Alice', 'Bob'),
            ('/telephony/callWaiting/active', 'changed', 'true', 'false'),
        ], self.diff(2, 4))
        self.assertEqual([('/telephony/callWaiting/active', 'changed', 'true', 'false')], self.diff(2, 3))
        self.assertEqual([('/telephony/callWaiting/active', 'changed', 'false', 'true')], self.diff(3, 2))
        self.assertEqual([], self.diff(3, 3))

    # -- provisionctl --

    def test_provisionctl_history_rollback_and_diff(self):
        self.start()
        self.daemon.apply(telephony_patch(active=False))
        self.daemon.apply(identity_patch('Bob', 'hunter2'))

        history = provisionctl('history')
        self.assertEqual(0, history.returncode, history.stderr)
        lines = history.stdout.splitlines()
        self.assertEqual(['GENERATION', 'TIME', 'TRIGGER', 'SOURCE/URL', 'SECTIONS'], lines[0].split())
        self.assertEqual(['1', 'defaults', '-'], [lines[1].split()[i] for i in (0, 2, 3)])
        self.assertEqual(['2', 'apply', 'file', 'telephony'], [lines[2].split()[i] for i in (0, 2, 3, 4)])
        self.assertEqual(['3*', 'apply', 'file', 'identities'], [lines[3].split()[i] for i in (0, 2, 3, 4)])

        history_json = json.loads(provisionctl('history', '--json').stdout)
        self.assertEqual([1, 2, 3], [entry['generation'] for entry in history_json])
        self.assertEqual([False, False, True], [entry['current'] for entry in history_json])
        self.assertEqual(['telephony'], history_json[1]['sections'])
        self.assertEqual(self.info(2)['time'], history_json[1]['time'])

        diff = provisionctl('diff')
        self.assertEqual(0, diff.returncode, diff.stderr)
        self.assertEqual('generation 2 → 3:\n'
                         '/identities/identity[1]/password: (password changed)\n'
                         '/identities/identity[1]/displayname: "" → "Bob"\n', diff.stdout)
        self.assertNotIn('hunter2', diff.stdout)
        self.assertEqual('generation 1 → 2:\n'
                         '/telephony/callWaiting/active: "true" → "false"\n', provisionctl('diff', '1', '2').stdout)
        self.assertEqual('generation 2 → 2: no differences\n', provisionctl('diff', '2', '2').stdout)
        diff_json = json.loads(provisionctl('diff', '1', '2', '--json').stdout)
        self.assertEqual({'from': 1, 'to': 2, 'differences': [
            {'path': '/telephony/callWaiting/active', 'change': 'changed', 'old': 'true', 'new': 'false'}]},
            diff_json)

        # rollback without an argument: the generation before the current one
        rollback = provisionctl('rollback')
        self.assertEqual(0, rollback.returncode, rollback.stderr)
        version = harness.current_section_versions()['identities']
        self.assertEqual(f'identities {version} rollback\n', rollback.stdout)
        self.assertEqual(2, self.info(4)['restored'])
        self.assertEqual(self.generation_bytes(2).split(b'?>', 2)[2], self.generation_bytes(4).split(b'?>', 2)[2])

        unknown = provisionctl('rollback', '99')
        self.assertEqual(1, unknown.returncode)
        self.assertIn('UnknownGeneration: generation 99 is not kept', unknown.stderr)
        self.assertEqual(2, provisionctl('rollback', 'two').returncode)
        self.assertEqual(1, provisionctl('diff', '1', '99').returncode)


if __name__ == '__main__':
    harness.main()
