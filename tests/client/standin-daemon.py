#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A stand-in for provisiond on the bus at ADDRESS, for what the real daemon
cannot be made to do on demand: GetStatus holds keys of every D-Bus type (as a
newer daemon's might) and a Version, a started run never ends but sends Progress every
tenth of a second (so a client shows when it receives signals), and Backup
answers a long document. The interface is the real one, read from the
introspection file. Prints "ready" once it owns the name, then the name of
each method called, and serves until terminated or the bus stops."""

import os
import sys

from gi.repository import Gio, GLib

BUS_NAME = 'org.provisiond.Provisioning1'
OBJECT_PATH = '/org/provisiond/Provisioning1'
INTERFACE_NAME = 'org.provisiond.Provisioning1'
INTERFACE_XML = os.path.join(os.environ['PROVISIOND_SOURCE_ROOT'], 'introspection',
                             'org.provisiond.Provisioning1.xml')
RUN_ID = 7
VERSION = '9.9.9-standin'
PROGRESS_INTERVAL_MS = 100
# Larger than stdio's buffer, so that writing it fails before the final flush.
BACKUP = '<configuration>\n' + '  <!-- padding -->\n' * 4096 + '</configuration>\n'


def status():
    return {
        'State': GLib.Variant('s', 'running'),
        'LastResult': GLib.Variant('s', 'none'),
        'LastError': GLib.Variant('(ss)', ('', '')),
        'LastWarnings': GLib.Variant('as', []),
        'RunId': GLib.Variant('t', RUN_ID),
        # What provisionctl --version shows as the daemon's version.
        'Version': GLib.Variant('s', VERSION),
        # Keys of types GetStatus does not use today.
        'Counts': GLib.Variant('ai', [1, -2, 3]),
        'Labels': GLib.Variant('a{ss}', {'phone': 'D717', 'site': 'Lab'}),
        'Pairs': GLib.Variant('a(is)', [(1, 'one'), (2, 'two')]),
        'Nested': GLib.Variant('v', GLib.Variant('u', 5)),
        'Ratio': GLib.Variant('d', 0.5),
        'Small': GLib.Variant('y', 255),
        'Negative': GLib.Variant('x', -5),
        'Path': GLib.Variant('o', '/org/example'),
        'ByNumber': GLib.Variant('a{uas}', {1: ['a'], 2: []}),
    }


def source_stats():
    """SourceStats with a source of a newer daemon; provisionctl status reads it as a property."""
    return GLib.Variant('a{sa{sv}}', {'manual': {'Runs': GLib.Variant('t', 2)},
                                      'satellite': {'Runs': GLib.Variant('t', 1)}})


def on_method_call(connection, sender, path, interface, method, parameters, invocation):
    print(method, flush=True)  # the test's sign that a call arrived
    if interface == 'org.freedesktop.DBus.Properties' and method == 'Get' \
            and tuple(parameters.unpack()) == (INTERFACE_NAME, 'SourceStats'):
        invocation.return_value(GLib.Variant('(v)', (source_stats(),)))
    elif method == 'GetStatus':
        invocation.return_value(GLib.Variant('(a{sv})', (status(),)))
    elif method == 'StartProvisioning':
        invocation.return_value(GLib.Variant('(t)', (RUN_ID,)))
    elif method == 'Backup' and not parameters.unpack()[0]:
        invocation.return_value(GLib.Variant('(s)', (BACKUP,)))
    elif method == 'Backup':
        invocation.return_dbus_error('org.freedesktop.DBus.Error.InvalidArgs', 'unknown section')
    else:
        invocation.return_dbus_error('org.freedesktop.DBus.Error.NotSupported', method + ' is not played')


def main():
    connection = Gio.DBusConnection.new_for_address_sync(
        sys.argv[1], Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
        Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
    with open(INTERFACE_XML) as f:
        interface = Gio.DBusNodeInfo.new_for_xml(f.read()).interfaces[0]
    connection.register_object(OBJECT_PATH, interface, on_method_call, None, None)
    loop = GLib.MainLoop()
    connection.connect('closed', lambda *args: loop.quit())

    def emit_progress():
        connection.emit_signal(None, OBJECT_PATH, INTERFACE_NAME, 'Progress',
                               GLib.Variant('(tsus)', (RUN_ID, 'waiting', 0, '')))
        return GLib.SOURCE_CONTINUE

    def on_name_acquired(*args):
        GLib.timeout_add(PROGRESS_INTERVAL_MS, emit_progress)
        print('ready', flush=True)

    Gio.bus_own_name_on_connection(connection, BUS_NAME, Gio.BusNameOwnerFlags.NONE, on_name_acquired,
                                   lambda *args: loop.quit())
    loop.run()


if __name__ == '__main__':
    main()
