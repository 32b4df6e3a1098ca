#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The provisioning server of the client tests, on 127.0.0.1 only.

Serves DIRECTORY over HTTP; below /slow/ the same files are sent one byte per
second (a run that is still downloading when the test cancels it). Also holds
a TCP port that is bound but not listening, so that connecting to it is
refused for as long as this server runs. Prints "PORT CLOSED_PORT" on one
line once both are ready, then serves until terminated."""

import functools
import http.server
import os
import socket
import sys
import time

SLOW_PREFIX = '/slow/'
SLOW_BYTE_INTERVAL = 1.0


class Handler(http.server.SimpleHTTPRequestHandler):

    def do_GET(self):
        if not self.path.startswith(SLOW_PREFIX):
            super().do_GET()
            return
        path = self.translate_path('/' + self.path[len(SLOW_PREFIX):])
        try:
            with open(path, 'rb') as f:
                body = f.read()
        except OSError:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header('Content-Type', 'application/xml')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        try:
            for i in range(len(body)):
                self.wfile.write(body[i:i + 1])
                self.wfile.flush()
                time.sleep(SLOW_BYTE_INTERVAL)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up: what a cancelled run does


def main():
    directory = sys.argv[1]
    # Bound without listen(): connections to it are refused, and no other
    # process can take the port while we hold it.
    refusing = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    refusing.bind(('127.0.0.1', 0))
    handler = functools.partial(Handler, directory=directory)
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    server.daemon_threads = True
    print(server.server_address[1], refusing.getsockname()[1], flush=True)
    server.serve_forever()


if __name__ == '__main__':
    main()
