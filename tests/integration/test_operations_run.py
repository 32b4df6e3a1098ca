# SPDX-License-Identifier: LGPL-2.1-or-later
"""Operations documents in provisioning runs: the seed's example as written,
patches and operations in one run, and per-section discarding (an invalid
result or a path that selects nothing drops only that section)."""

import xml.etree.ElementTree as ET

import harness
from harness import canonical_section, copy_element
from run_case import RunTestCase, runs_fixture

KEY_3 = "phoneXtensions/key[@keyNumber='3']"


def without_template(templates, name):
    expected = copy_element(templates)
    for template in expected.findall('template'):
        if template.get('name') == name:
            expected.remove(template)
    return expected


def keys_after_seed_operations(keys):
    """keys with key 3's identity parameter set to 2 and foo=bar appended."""
    expected = copy_element(keys)
    parameters = expected.find(f'{KEY_3}/parameters')
    parameters.find("parameter[@name='identity']").set('value', '2')
    ET.SubElement(parameters, 'parameter', {'name': 'foo', 'value': 'bar'})
    return expected


def keys_with_foo(keys):
    expected = copy_element(keys)
    ET.SubElement(expected.find(f'{KEY_3}/parameters'), 'parameter', {'name': 'foo', 'value': 'bar'})
    return expected


class OperationsTestCase(RunTestCase):

    def setUp(self):
        super().setUp()
        self.versions = harness.current_section_versions()

    def serve(self, path, fixture):
        self.server.add_document(path, runs_fixture(fixture))
        return self.server.url(path)

    def assertSectionsUnchanged(self, before, after, except_for):
        for name, section in before.items():
            if name not in except_for:
                self.assertEqual(canonical_section(section), canonical_section(after[name]), name)

    def assertDiscardReported(self, outcome, section):
        details = [detail for _, _, detail in outcome.progress]
        warnings = list(self.daemon.status()['LastWarnings'])
        self.assertTrue(any(section in text for text in details + warnings),
                        f'discarded section {section} not reported: progress {details}, warnings {warnings}')


class SeedOperationsTest(OperationsTestCase):
    """The settings hold a template Test first (ApplyFile), as the example assumes."""

    def setUp(self):
        super().setUp()
        self.apply(runs_fixture('operations/template-test.xml'))
        self.assertIn('Test', [template.get('name') for template in self.stored_sections()['templates']])

    def test_seed_operations_example(self):
        before = self.stored_sections()

        outcome = self.provision(self.serve('/ops/seed-operations.xml', 'operations/seed-operations.xml'))

        self.assertFinished(outcome, sections_changed=2)
        self.assertEqual(sorted([('keys', self.versions['keys'], 'operations'),
                                 ('templates', self.versions['templates'], 'operations')]),
                         sorted(outcome.section_applied))
        after = self.stored_sections()
        self.assertEqual(canonical_section(without_template(before['templates'], 'Test')),
                         canonical_section(after['templates']))
        self.assertEqual(canonical_section(keys_after_seed_operations(before['keys'])),
                         canonical_section(after['keys']))
        self.assertSectionsUnchanged(before, after, except_for=('keys', 'templates'))

    def test_invalid_result_discards_only_that_section(self):
        before = self.stored_sections()

        outcome = self.provision(self.serve('/ops/invalid-result.xml', 'operations/invalid-result.xml'))

        self.assertFinished(outcome, sections_changed=1)
        self.assertEqual([('keys', self.versions['keys'], 'operations')], outcome.section_applied)
        after = self.stored_sections()
        self.assertEqual(canonical_section(keys_with_foo(before['keys'])), canonical_section(after['keys']))
        self.assertSectionsUnchanged(before, after, except_for=('keys',))
        self.assertDiscardReported(outcome, 'telephony')

    def test_operation_selecting_nothing_discards_all_operations_of_its_section(self):
        before = self.stored_sections()

        outcome = self.provision(self.serve('/ops/selects-nothing.xml', 'operations/selects-nothing.xml'))

        self.assertFinished(outcome, sections_changed=1)
        self.assertEqual([('keys', self.versions['keys'], 'operations')], outcome.section_applied)
        after = self.stored_sections()
        # The delete of template Test was discarded with the failing one.
        self.assertEqual(canonical_section(before['templates']), canonical_section(after['templates']))
        self.assertSectionsUnchanged(before, after, except_for=('keys',))
        self.assertDiscardReported(outcome, 'templates')


class MixedPatchAndOperationsTest(OperationsTestCase):

    def test_patch_then_operations_in_one_run(self):
        self.serve('/mixed/mixed-patch.xml', 'mixed/mixed-patch.xml')
        self.serve('/mixed/seed-operations.xml', 'operations/seed-operations.xml')
        url = self.serve('/mixed/references.xml', 'mixed/references.xml')
        before = self.stored_sections()

        outcome = self.provision(url)

        # The patch adds template Test, the operations (applied after it to
        # the same working copy) delete it again: templates end unchanged.
        self.assertFinished(outcome, sections_changed=2)
        self.assertEqual(sorted([('keys', self.versions['keys'], 'operations'),
                                 ('telephony', self.versions['telephony'], 'merge')]),
                         sorted(outcome.section_applied))
        after = self.stored_sections()
        self.assertEqual('false', after['telephony'].find('callWaiting/active').text)
        self.assertEqual(canonical_section(keys_after_seed_operations(before['keys'])),
                         canonical_section(after['keys']))
        self.assertSectionsUnchanged(before, after, except_for=('keys', 'telephony'))
        self.assertEqual(['/mixed/references.xml', '/mixed/mixed-patch.xml', '/mixed/seed-operations.xml'],
                         self.server.paths())


if __name__ == '__main__':
    harness.main()
