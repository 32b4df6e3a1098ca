#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A stand-in for the phone's SIP stack: the part that handles check-sync.

The reference implementation of docs/sip-integration.md, used by the tests
with sipp playing the PBX. It listens for SIP requests over UDP and, for each
out-of-dialog NOTIFY with `Event: check-sync`:

1. answers `200 OK` at once, whatever provisiond will say (a PBX that gets an
   error or no answer retransmits, and some retry for minutes);
2. forwards it to provisiond's CheckSync: `sender` = the source address of
   the datagram, `event` = the Event header, and `content_type` and `body`
   (as bytes) when the NOTIFY has a body;
3. prints one JSON line on stdout with what it forwarded and provisiond's
   answer: {"sender", "event", "body_length", "result": "ok" or the error
   name, "message"}.

A retransmission (same Call-ID, CSeq and Via branch) is answered again but
not forwarded twice, as a real transaction layer would do. A NOTIFY for
another event gets `489 Bad Event`, another method `405 Method Not Allowed`.

    sip_standin.py --listen ADDRESS [--port PORT]

ADDRESS may be IPv4, IPv6, or IPv4-mapped IPv6 (::ffff:127.0.0.1: a
dual-stack socket, which sees IPv4 senders as ::ffff:a.b.c.d). The first line
on stdout is `listening PORT`. The bus is the system bus
(DBUS_SYSTEM_BUS_ADDRESS is honoured). It runs until SIGTERM.
"""

import argparse
import json
import signal
import socket
import sys

import gi

gi.require_version('Gio', '2.0')
gi.require_version('GLib', '2.0')
from gi.repository import Gio, GLib  # noqa: E402

BUS_NAME = 'org.provisiond.Provisioning1'
OBJECT_PATH = '/org/provisiond/Provisioning1'
INTERFACE = 'org.provisiond.Provisioning1'
CALL_TIMEOUT_MS = 30000
MAX_DATAGRAM = 65535

# RFC 3261 section 7.3.3 compact forms.
COMPACT_HEADERS = {'v': 'via', 'f': 'from', 't': 'to', 'i': 'call-id', 'c': 'content-type',
                   'l': 'content-length', 'o': 'event'}


def parse_request(datagram):
    """(method, [(name lower-case, value)], body) of a SIP request, or None for a response or junk."""
    head, separator, body = datagram.partition(b'\r\n\r\n')
    if not separator:
        head, separator, body = datagram.partition(b'\n\n')
    lines = head.decode('utf-8', 'replace').replace('\r\n', '\n').split('\n')
    request_line = lines[0].split(' ')
    if len(request_line) != 3 or request_line[2] != 'SIP/2.0':
        return None
    headers = []
    for line in lines[1:]:
        if line[:1] in (' ', '\t') and headers:  # a folded header line
            name, value = headers[-1]
            headers[-1] = (name, value + ' ' + line.strip())
            continue
        name, colon, value = line.partition(':')
        if colon:
            name = name.strip().lower()
            headers.append((COMPACT_HEADERS.get(name, name), value.strip()))
    length = header(headers, 'content-length')
    if length is not None and length.isdigit():
        body = body[:int(length)]
    return request_line[0], headers, body


def header(headers, name):
    for key, value in headers:
        if key == name:
            return value
    return None


def response(status, headers):
    """A response to the request with headers (RFC 3261 section 8.2.6)."""
    lines = [f'SIP/2.0 {status}']
    for key, value in headers:
        if key == 'via':
            lines.append(f'Via: {value}')
    to = header(headers, 'to') or ''
    if ';tag=' not in to:
        to += ';tag=standin'
    lines += [f'From: {header(headers, "from") or ""}', f'To: {to}',
              f'Call-ID: {header(headers, "call-id") or ""}', f'CSeq: {header(headers, "cseq") or ""}',
              'Content-Length: 0', '', '']
    return '\r\n'.join(lines).encode('utf-8')


def event_type(event):
    return event.split(';', 1)[0].strip().lower()


class StandIn:

    def __init__(self, sock):
        self.sock = sock
        self.bus = Gio.bus_get_sync(Gio.BusType.SYSTEM, None)
        self.seen = set()

    def check_sync(self, sender, event, content_type, body):
        """Calls CheckSync; returns (result, message)."""
        options = {'sender': GLib.Variant('s', sender), 'event': GLib.Variant('s', event)}
        if body:
            options['body'] = GLib.Variant('ay', body)
            if content_type is not None:
                options['content_type'] = GLib.Variant('s', content_type)
        try:
            self.bus.call_sync(BUS_NAME, OBJECT_PATH, INTERFACE, 'CheckSync',
                               GLib.Variant('(a{sv})', (options,)), None, Gio.DBusCallFlags.NONE,
                               CALL_TIMEOUT_MS, None)
            return 'ok', ''
        except GLib.Error as error:
            name = Gio.DBusError.get_remote_error(error) or 'failed'
            Gio.DBusError.strip_remote_error(error)
            return name, error.message

    def handle(self, datagram, source):
        parsed = parse_request(datagram)
        if parsed is None:
            return
        method, headers, body = parsed
        event = header(headers, 'event') or ''
        if method != 'NOTIFY':
            self.sock.sendto(response('405 Method Not Allowed', headers), source)
            return
        if event_type(event) != 'check-sync':
            self.sock.sendto(response('489 Bad Event', headers), source)
            return
        # Answer first: the PBX's transaction must not wait for (or depend on) provisiond.
        self.sock.sendto(response('200 OK', headers), source)
        via = header(headers, 'via') or ''
        transaction = (header(headers, 'call-id'), header(headers, 'cseq'), via)
        if transaction in self.seen:
            return
        self.seen.add(transaction)
        # The source address, without the port and the IPv6 flow/scope fields.
        sender = source[0]
        result, message = self.check_sync(sender, event, header(headers, 'content-type'), body)
        print(json.dumps({'sender': sender, 'event': event, 'body_length': len(body), 'result': result,
                          'message': message}), flush=True)

    def serve(self):
        while True:
            datagram, source = self.sock.recvfrom(MAX_DATAGRAM)
            self.handle(datagram, source)


def open_socket(address, port):
    if ':' in address:
        sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        # A v4-mapped address needs a dual-stack socket.
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0 if address.startswith('::ffff:') else 1)
    else:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((address, port))
    return sock


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--listen', required=True, help='the address to listen on')
    parser.add_argument('--port', type=int, default=0, help='the UDP port (0: any free one)')
    arguments = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sock = open_socket(arguments.listen, arguments.port)
    # GDBus' worker thread must not take SIGTERM: Python handles signals in the
    # main thread only, which would then sleep on in recvfrom(). Threads inherit the mask.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    standin = StandIn(sock)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
    print(f'listening {sock.getsockname()[1]}', flush=True)
    standin.serve()


if __name__ == '__main__':
    main()
