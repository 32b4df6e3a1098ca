# SPDX-License-Identifier: LGPL-2.1-or-later
"""The contract test: the running daemon exports exactly the interface of
introspection/org.provisiond.Provisioning1.xml."""

import xml.etree.ElementTree as ET

import harness
from harness import INTERFACE, DaemonTestCase, source_path

CONTRACT = source_path('introspection', 'org.provisiond.Provisioning1.xml')
STANDARD_INTERFACES = ('org.freedesktop.DBus.Peer',
                       'org.freedesktop.DBus.Introspectable',
                       'org.freedesktop.DBus.Properties')


def interfaces_of(xml_text):
    node = ET.fromstring(xml_text)
    return {interface.get('name'): interface for interface in node.findall('interface')}


def describe_methods(interface):
    """name -> [(arg name, type, direction)]; direction defaults to 'in'."""
    return {method.get('name'): [(arg.get('name'), arg.get('type'), arg.get('direction', 'in'))
                                 for arg in method.findall('arg')]
            for method in interface.findall('method')}


def describe_signals(interface):
    return {signal.get('name'): [(arg.get('name'), arg.get('type')) for arg in signal.findall('arg')]
            for signal in interface.findall('signal')}


def describe_properties(interface):
    return {prop.get('name'): (prop.get('type'), prop.get('access'))
            for prop in interface.findall('property')}


class IntrospectionTest(DaemonTestCase):

    @classmethod
    def setUpClass(cls):
        cls.daemon = harness.Daemon()
        cls.daemon.start()
        with open(CONTRACT, 'rb') as f:
            cls.contract = interfaces_of(f.read())[INTERFACE]
        cls.live_interfaces = interfaces_of(cls.daemon.introspect())

    @classmethod
    def tearDownClass(cls):
        cls.daemon.close()

    @property
    def live(self):
        self.assertIn(INTERFACE, self.live_interfaces)
        return self.live_interfaces[INTERFACE]

    def test_methods_match_the_contract(self):
        self.assertEqual(describe_methods(self.contract), describe_methods(self.live))

    def test_signals_match_the_contract(self):
        self.assertEqual(describe_signals(self.contract), describe_signals(self.live))

    def test_properties_match_the_contract(self):
        self.assertEqual(describe_properties(self.contract), describe_properties(self.live))

    def test_standard_interfaces_are_present(self):
        for name in STANDARD_INTERFACES:
            self.assertIn(name, self.live_interfaces)

    def test_property_values_have_the_contract_types(self):
        expected = {name: signature for name, (signature, _) in describe_properties(self.contract).items()}
        values = self.daemon.get_all_properties_typed()
        self.assertEqual(expected, {name: value.get_type_string() for name, value in values.items()})

    def test_get_status_has_every_property_but_the_run_history_with_the_same_type(self):
        # SourceStats is the run history, read as a property (docs/dbus-api.md, "Run history").
        expected = {name: signature for name, (signature, _) in describe_properties(self.contract).items()
                    if name != 'SourceStats'}
        reply = self.daemon.connection.call_sync(
            harness.BUS_NAME, harness.OBJECT_PATH, INTERFACE, 'GetStatus', None, None,
            harness.Gio.DBusCallFlags.NONE, -1, None)
        status = reply.get_child_value(0)
        types = {status.get_child_value(i).get_child_value(0).get_string():
                 status.get_child_value(i).get_child_value(1).get_variant().get_type_string()
                 for i in range(status.n_children())}
        self.assertEqual(expected, types)


if __name__ == '__main__':
    harness.main()
