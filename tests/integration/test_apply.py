# SPDX-License-Identifier: LGPL-2.1-or-later
"""ApplyFile and Backup over the bus: the patch rules as a client sees them
(reply, Backup output, stored settings, status, signals).

Each test starts provisiond with fresh state: the factory defaults."""

import time

import harness
from harness import (DaemonTestCase, SignalRecorder, canonical, canonical_section, changed_paths,
                     configuration_document, copy_element, expected_how, fixture_path, leaves,
                     parse_xml, read_fixture, sections_of, source_path)

BACKUP_EXAMPLE = source_path('data', 'examples', 'backup.xml')


def backup_example_sections():
    with open(BACKUP_EXAMPLE, 'rb') as f:
        return sections_of(parse_xml(f.read()))


def fixture_sections(name):
    return sections_of(parse_xml(read_fixture(name)))


def all_leaves(sections):
    result = {}
    for section in sections.values():
        result.update(leaves(section))
    return result


def keys_by_number(module):
    return {key.get('keyNumber'): canonical(key) for key in module}


class ApplyTest(DaemonTestCase):

    @classmethod
    def setUpClass(cls):
        cls.versions = harness.current_section_versions()

    def setUp(self):
        self.daemon = harness.start_daemon(self)

    def change(self, section, how):
        """One reply entry: the section at its current schema version."""
        return (section, self.versions[section], how)

    def assertReply(self, expected, reply):
        self.assertEqual(sorted(expected), sorted(reply))

    def assertMerged(self, before, patch_sections, after):
        """after holds before with every leaf of patch_sections laid over it."""
        expected = all_leaves(before)
        expected.update(all_leaves(patch_sections))
        self.assertEqual(expected, all_leaves(after))

    # ---- restore and backup ------------------------------------------------

    def test_backup_after_restore_returns_the_restored_sections(self):
        self.daemon.apply(BACKUP_EXAMPLE)
        restored = backup_example_sections()
        self.assertSectionsEqual(restored, self.daemon.backup_sections())

    def test_backup_carries_every_section_at_its_current_version(self):
        sections = self.daemon.backup_sections()
        self.assertEqual(sorted(self.versions), sorted(sections))
        for name, section in sections.items():
            self.assertEqual(self.versions[name], section.get('version'), name)

    def test_backup_of_named_sections_returns_only_those(self):
        sections = self.daemon.backup_sections(['users', 'telephony'])
        self.assertEqual(['telephony', 'users'], sorted(sections))
        self.assertSectionsEqual(
            {name: self.daemon.settings_sections()[name] for name in ('telephony', 'users')},
            sections)

    def test_reapplying_a_backup_changes_nothing(self):
        self.daemon.apply(BACKUP_EXAMPLE)
        recorder = SignalRecorder()
        self.addCleanup(recorder.close)
        stored = self.daemon.settings_bytes()
        generation = self.daemon.status()['SettingsGeneration']

        reply = self.daemon.apply(self.daemon.backup().encode('utf-8'))

        self.assertEqual([], reply)
        recorder.sync()
        self.assertEqual([], recorder.named('SectionApplied'))
        self.assertEqual(stored, self.daemon.settings_bytes())
        self.assertEqual(generation, self.daemon.status()['SettingsGeneration'])

    def test_backup_restores_an_earlier_state_exactly(self):
        factory_backup = self.daemon.backup()
        factory = sections_of(parse_xml(factory_backup))
        self.daemon.apply(BACKUP_EXAMPLE)
        configured = self.daemon.backup_sections()

        reply = self.daemon.apply(factory_backup.encode('utf-8'))

        root = parse_xml(factory_backup)
        self.assertReply([self.change(name, expected_how(root, section))
                          for name, section in factory.items()
                          if canonical_section(section) != canonical_section(configured[name])],
                         reply)
        self.assertSectionsEqual(factory, self.daemon.backup_sections())

    # ---- patch rules ---------------------------------------------------------

    def test_partial_patch_merges_only_the_given_leaves(self):
        before = self.daemon.backup_sections()

        reply = self.daemon.apply(fixture_path('telephony-merge.xml'))

        self.assertReply([self.change('telephony', 'merge')], reply)
        after = self.daemon.backup_sections()
        self.assertEqual(['telephony/callWaiting/active'],
                         changed_paths(all_leaves(before), all_leaves(after)))
        self.assertMerged(before, fixture_sections('telephony-merge.xml'), after)

    def test_patch_default_false_replaces_the_section(self):
        self.daemon.apply(BACKUP_EXAMPLE)  # users admin and anna
        before = self.daemon.backup_sections()

        reply = self.daemon.apply(fixture_path('users-replace.xml'))

        self.assertReply([self.change('users', 'replace')], reply)
        after = self.daemon.backup_sections()
        self.assertEqual(['admin', 'service'], sorted(user.get('name') for user in after['users']))
        self.assertSectionsEqual({'users': fixture_sections('users-replace.xml')['users']},
                                 {'users': after['users']})
        del before['users'], after['users']
        self.assertSectionsEqual(before, after, 'an untouched section changed')

    def test_section_patch_false_overrides_patch_default_true(self):
        self.daemon.apply(BACKUP_EXAMPLE)  # users admin and anna
        users = fixture_sections('users-replace.xml')['users']
        document = configuration_document(copy_element(users, patch='false'), patch_default=True)

        reply = self.daemon.apply(document)

        self.assertReply([self.change('users', 'replace')], reply)
        self.assertSectionsEqual({'users': users}, {'users': self.daemon.backup_sections()['users']})

    def test_section_patch_true_overrides_patch_default_false(self):
        before = self.daemon.backup_sections()
        telephony = fixture_sections('telephony-merge.xml')['telephony']
        document = configuration_document(copy_element(telephony, patch='true'), patch_default=False)

        reply = self.daemon.apply(document)

        self.assertReply([self.change('telephony', 'merge')], reply)
        self.assertMerged(before, {'telephony': telephony}, self.daemon.backup_sections())

    def test_list_key_replaces_the_matched_element_whole_and_adds_new_ones(self):
        before = self.daemon.backup_sections()
        patch_keys = fixture_sections('keys-merge.xml')['keys']
        before_keys = keys_by_number(before['keys'].find('phoneXtensions'))
        patch_phone_keys = keys_by_number(patch_keys.find('phoneXtensions'))
        # The fixture must replace an existing, different key 3 and add key 7.
        self.assertIn('3', before_keys)
        self.assertNotEqual(before_keys['3'], patch_phone_keys['3'])
        self.assertNotIn('7', before_keys)

        reply = self.daemon.apply(fixture_path('keys-merge.xml'))

        self.assertReply([self.change('keys', 'merge')], reply)
        after = self.daemon.backup_sections()
        expected = dict(before_keys)
        expected.update(patch_phone_keys)
        self.assertEqual(expected, keys_by_number(after['keys'].find('phoneXtensions')))
        for module in before['keys']:
            if module.tag != 'phoneXtensions':
                self.assertEqual(canonical(module), canonical(after['keys'].find(module.tag)))
        del before['keys'], after['keys']
        self.assertSectionsEqual(before, after, 'an untouched section changed')

    def test_identities_merge_by_position_and_empty_identity_keeps_its_slot(self):
        before = self.daemon.backup_sections()
        patch_identities = list(fixture_sections('identities-placeholder.xml')['identities'])

        reply = self.daemon.apply(fixture_path('identities-placeholder.xml'))

        self.assertReply([self.change('identities', 'merge')], reply)
        before_identities = list(before['identities'])
        after_identities = list(self.daemon.backup_sections()['identities'])
        self.assertEqual(6, len(after_identities))
        for slot, patch in enumerate(patch_identities):
            expected = leaves(before_identities[slot])
            if len(patch) > 0:  # an empty <identity/> is a placeholder
                expected.update(leaves(patch))
            self.assertEqual(expected, leaves(after_identities[slot]), f'identity {slot + 1}')
        changed = [slot + 1 for slot in range(6)
                   if canonical(before_identities[slot]) != canonical(after_identities[slot])]
        self.assertEqual([2], changed)

    def test_bare_section_as_root_is_merged(self):
        before = self.daemon.backup_sections()

        reply = self.daemon.apply(fixture_path('bare-section.xml'))

        self.assertReply([self.change('telephony', 'merge')], reply)
        after = self.daemon.backup_sections()
        self.assertEqual(['telephony/doNotDisturb/active'],
                         changed_paths(all_leaves(before), all_leaves(after)))
        self.assertMerged(before, fixture_sections('bare-section.xml'), after)

    def test_unknown_elements_are_stripped_and_reported(self):
        before = self.daemon.backup_sections()

        reply = self.daemon.apply(fixture_path('unknown-element.xml'))

        self.assertReply([self.change('telephony', 'merge')], reply)
        stored = self.daemon.settings_bytes()
        self.assertNotIn(b'fooBar', stored)
        self.assertNotIn(b'madeUpSection', stored)
        after = self.daemon.backup_sections()
        self.assertEqual(['telephony/autoAnswer/active'],
                         changed_paths(all_leaves(before), all_leaves(after)))
        warnings = self.daemon.status()['LastWarnings']
        self.assertTrue(any('fooBar' in warning for warning in warnings), warnings)
        self.assertTrue(any('madeUpSection' in warning for warning in warnings), warnings)

    def test_last_warnings_are_capped_with_a_summary(self):
        unknown = ''.join(f'<madeUp{index}>1</madeUp{index}>' for index in range(150))
        document = (f'<configuration><telephony version="{self.versions["telephony"]}">'
                    f'<autoAnswer><active>true</active></autoAnswer>{unknown}'
                    '</telephony></configuration>').encode('utf-8')

        reply = self.daemon.apply(document)

        self.assertReply([self.change('telephony', 'merge')], reply)
        self.assertNotIn(b'madeUp', self.daemon.settings_bytes())
        warnings = self.daemon.status()['LastWarnings']
        self.assertEqual(101, len(warnings), warnings)
        self.assertEqual('\u2026 and 50 more warnings', warnings[-1])
        reported = [warning for warning in warnings[:-1] if 'madeUp' in warning]
        self.assertEqual(100, len(set(reported)), warnings)

    def test_section_whose_content_does_not_change_is_not_in_the_reply(self):
        unchanged_telephony = self.daemon.backup_sections(['telephony'])['telephony']
        keys = fixture_sections('keys-merge.xml')['keys']
        document = configuration_document(unchanged_telephony, keys)

        reply = self.daemon.apply(document)

        self.assertReply([self.change('keys', 'merge')], reply)

    def test_reply_names_the_current_version_even_without_version_attribute(self):
        telephony = fixture_sections('telephony-merge.xml')['telephony']
        del telephony.attrib['version']

        reply = self.daemon.apply(configuration_document(telephony))

        self.assertReply([self.change('telephony', 'merge')], reply)

    def test_reply_of_a_full_restore_lists_each_changed_section_replaced(self):
        before = self.daemon.backup_sections()
        restored = backup_example_sections()

        reply = self.daemon.apply(BACKUP_EXAMPLE)

        self.assertReply([self.change(name, 'replace') for name, section in restored.items()
                          if canonical_section(section) != canonical_section(before[name])],
                         reply)

    # ---- status and signals ------------------------------------------------

    def test_status_after_success(self):
        generation = self.daemon.status()['SettingsGeneration']
        started = time.time()

        self.daemon.apply(fixture_path('telephony-merge.xml'))

        finished = time.time()
        status = self.daemon.status()
        self.assertEqual('idle', status['State'])
        self.assertEqual('success', status['LastResult'])
        self.assertEqual(('', ''), tuple(status['LastError']))
        self.assertEqual(generation + 1, status['SettingsGeneration'])
        self.assertGreaterEqual(status['LastChange'], int((started - 1) * 1e6))
        self.assertLessEqual(status['LastChange'], int((finished + 1) * 1e6))

    def test_apply_without_change_keeps_generation_and_last_change(self):
        before = self.daemon.status()

        self.assertEqual([], self.daemon.apply(self.daemon.backup().encode('utf-8')))

        after = self.daemon.status()
        self.assertEqual('success', after['LastResult'])
        self.assertEqual(before['SettingsGeneration'], after['SettingsGeneration'])
        self.assertEqual(before['LastChange'], after['LastChange'])

    def test_properties_changed_is_emitted_for_a_commit(self):
        recorder = SignalRecorder()
        self.addCleanup(recorder.close)

        self.daemon.apply(fixture_path('telephony-merge.xml'))

        generation = self.daemon.status()['SettingsGeneration']

        def announced(rec):
            for interface, changed, invalidated in rec.named('PropertiesChanged'):
                if interface != harness.INTERFACE:
                    continue
                if changed.get('SettingsGeneration') == generation:
                    return True
                if 'SettingsGeneration' in invalidated:
                    return True
            return False

        recorder.wait_for(announced, what=f'PropertiesChanged SettingsGeneration={generation}')
        self.assertEqual(generation, self.daemon.get_property('SettingsGeneration'))
        self.assertEqual('success', self.daemon.get_property('LastResult'))

    # ---- operations documents ------------------------------------------------

    def test_operations_document_applies_as_operations(self):
        self.daemon.apply(BACKUP_EXAMPLE)
        reply = self.daemon.apply(
            b'<operations><replace path="/keys/phoneXtensions/key[@keyNumber=\'5\']/parameters/'
            b'parameter[@name=\'identity\']"><parameter name="identity" value="2"/></replace></operations>')
        self.assertReply([self.change('keys', 'operations')], reply)
        key = self.daemon.settings_sections()['keys'].find("phoneXtensions/key[@keyNumber='5']")
        identity = key.find("parameters/parameter[@name='identity']")
        self.assertEqual('2', identity.get('value'))

    def test_operations_document_selecting_nothing_changes_nothing(self):
        before = self.daemon.settings_bytes()
        reply = self.daemon.apply(b'<operations><delete path="/templates/template[@name=\'NoSuch\']"/>'
                                  b'</operations>')
        self.assertEqual([], reply)
        self.assertEqual(before, self.daemon.settings_bytes())
        self.assertTrue(any('templates' in warning for warning in self.daemon.status()['LastWarnings']))

    # ---- persistence ---------------------------------------------------------

    def test_settings_persist_across_restart(self):
        self.daemon.apply(BACKUP_EXAMPLE)
        self.daemon.apply(fixture_path('telephony-merge.xml'))
        backup = self.daemon.backup()

        self.daemon.restart()

        self.assertEqual(backup, self.daemon.backup())


if __name__ == '__main__':
    harness.main()
