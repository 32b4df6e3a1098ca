# SPDX-License-Identifier: LGPL-2.1-or-later
"""Many clients at once: 50 connections, each making CALLS_PER_CLIENT calls
(GetStatus, Backup, a property Get) while applies and runs go on. Every call
is answered without an error, and the daemon ends idle with its last
result a success."""

import threading

from gi.repository import Gio, GLib

import harness
import run_case

CLIENTS = 50
CALLS_PER_CLIENT = 200
# Generous: the calls queue behind applies on a loaded machine.
CALL_TIMEOUT_MS = 120_000


def client_calls(connection, index):
    """(interface, method, parameters, reply type) of call index of a client."""
    kind = index % 3
    if kind == 0:
        return harness.INTERFACE, 'GetStatus', None, '(a{sv})'
    if kind == 1:
        return harness.INTERFACE, 'Backup', GLib.Variant('(as)', (['telephony', 'keys'],)), '(s)'
    return ('org.freedesktop.DBus.Properties', 'Get',
            GLib.Variant('(ss)', (harness.INTERFACE, 'State')), '(v)')


class Client(threading.Thread):

    def __init__(self):
        super().__init__(daemon=True)
        self.errors = []
        self.answered = 0

    def run(self):
        try:
            connection = harness.new_connection()
        except GLib.Error as error:
            self.errors.append(f'connect: {error.message}')
            return
        try:
            for index in range(CALLS_PER_CLIENT):
                interface, method, parameters, reply_type = client_calls(connection, index)
                try:
                    connection.call_sync(harness.BUS_NAME, harness.OBJECT_PATH, interface, method, parameters,
                                         GLib.VariantType.new(reply_type), Gio.DBusCallFlags.NONE,
                                         CALL_TIMEOUT_MS, None)
                    self.answered += 1
                except GLib.Error as error:
                    self.errors.append(f'{method}: {error.message}')
        finally:
            connection.close_sync(None)


class LoadTest(run_case.RunTestCase):

    def test_fifty_clients_during_applies_and_runs(self):
        self.server.add_document('/phone.xml', run_case.telephony_patch(active=False, tone=True))
        clients = [Client() for _ in range(CLIENTS)]
        for client in clients:
            client.start()

        applies = runs = 0
        while any(client.is_alive() for client in clients):
            self.daemon.apply(run_case.telephony_patch(active=applies % 2 == 0))
            applies += 1
            outcome = self.provision(self.server.url('/phone.xml'), timeout=120)
            self.assertEqual('Finished', outcome.member, outcome.args)
            runs += 1
        for client in clients:
            client.join()

        errors = [error for client in clients for error in client.errors]
        self.assertEqual([], errors[:10], f'{len(errors)} calls failed')
        self.assertEqual(CLIENTS * CALLS_PER_CLIENT, sum(client.answered for client in clients))
        self.assertGreater(applies, 0)
        self.assertGreater(runs, 0)
        status = self.daemon.status()
        self.assertEqual(('idle', 'success'), (status['State'], status['LastResult']))


if __name__ == '__main__':
    harness.main()
