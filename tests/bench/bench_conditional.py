# SPDX-License-Identifier: LGPL-2.1-or-later
"""Bytes a second run over unchanged files transfers, relative to the first.

A provisioning server (python's http.server) that honours If-None-Match with
304 and counts every byte it sends (status lines, headers and bodies) serves a
reference file and FILES template documents. provisiond runs twice from it;
the benchmark prints both byte counts and their ratio, and fails when the
second run transfers more than 1 % of the first (the goal of conditional
downloads; without them it is 100 %). Runs under dbus-test-runner like the
integration tests; run by `meson test --benchmark` (tools/bench).
"""

import hashlib
import http.server
import os
import sys
import threading

sys.path.insert(0, os.path.join(os.environ['PROVISIOND_SOURCE_ROOT'], 'tests', 'integration'))

import harness  # noqa: E402
from harness import SignalRecorder  # noqa: E402

FILES = 8
TEMPLATES_PER_FILE = 10
PARAMETERS_PER_TEMPLATE = 60  # the XSD allows 64
GOAL_PERCENT = 1.0
RUN_TIMEOUT = 60.0


def template_document(index):
    templates = ''
    for number in range(TEMPLATES_PER_FILE):
        name = f'bench{index}-{number}'
        parameters = ''.join(f'<parameter name="p{i}" value="value {i} of template {name}"/>'
                             for i in range(PARAMETERS_PER_TEMPLATE))
        templates += f'<template name="{name}"><parameters>{parameters}</parameters></template>'
    return (f'<?xml version="1.0" encoding="UTF-8"?><configuration><templates>{templates}'
            f'</templates></configuration>').encode('utf-8')


def reference_document():
    urls = ''.join(f'<URL>template{index}.xml</URL>' for index in range(FILES))
    return f'<?xml version="1.0" encoding="UTF-8"?><referencedSettings>{urls}</referencedSettings>'.encode()


class _CountingWriter:
    """wfile that counts what passes through it."""

    def __init__(self, wfile, server):
        self._wfile = wfile
        self._server = server

    def write(self, data):
        self._server.count(len(data))
        return self._wfile.write(data)

    def flush(self):
        return self._wfile.flush()

    def __getattr__(self, name):
        return getattr(self._wfile, name)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def setup(self):
        super().setup()
        self.wfile = _CountingWriter(self.wfile, self.server)

    def log_message(self, format, *args):  # noqa: A002
        pass

    def do_GET(self):
        body = self.server.files.get(self.path.split('?')[0])
        if body is None:
            self.send_response(404)
            self.send_header('Content-Length', '0')
            self.end_headers()
            return
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if self.headers.get('If-None-Match') == etag:
            self.send_response(304)
            self.send_header('ETag', etag)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header('Content-Type', 'application/xml')
        self.send_header('ETag', etag)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class CountingServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, files):
        super().__init__(('127.0.0.1', 0), _Handler)
        self.files = files
        self._lock = threading.Lock()
        self._sent = 0

    def count(self, length):
        with self._lock:
            self._sent += length

    def take_count(self):
        with self._lock:
            sent, self._sent = self._sent, 0
        return sent


def provision(daemon, recorder, url):
    run_id = daemon.start_provisioning({'url': url})
    member, args = recorder.wait_for_run_end(run_id, RUN_TIMEOUT)
    if member != 'Finished':
        raise SystemExit(f'run {run_id} failed: {args}\n{daemon.log_tail(40)}')
    return args[1]


def main():
    files = {f'/prov/template{index}.xml': template_document(index) for index in range(FILES)}
    files['/prov/index.xml'] = reference_document()
    server = CountingServer(files)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f'http://127.0.0.1:{server.server_address[1]}/prov/index.xml'
    daemon = harness.Daemon()
    try:
        daemon.start()
        recorder = SignalRecorder()
        changed_first = provision(daemon, recorder, url)
        first = server.take_count()
        changed_second = provision(daemon, recorder, url)
        second = server.take_count()
        recorder.close()
    finally:
        daemon.close()
        server.shutdown()
        server.server_close()
    ratio = 100.0 * second / first
    print(f'conditional downloads: {FILES + 1} files; first run {first} bytes sent '
          f'({changed_first} sections changed), second run {second} bytes '
          f'({changed_second} changed): {ratio:.2f} % (goal: at most {GOAL_PERCENT} %)')
    return 0 if ratio <= GOAL_PERCENT and changed_second == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
