# SPDX-License-Identifier: LGPL-2.1-or-later
"""Provisioning servers for the integration tests: HTTP and HTTPS on 127.0.0.1.

A TestServer runs python's ThreadingHTTPServer on port 0 in a thread of the
test process. What it answers is a route table (path -> Route); every request
it receives is recorded (path, query, headers), so a test asserts what the
daemon asked for as well as what it did with the answer. Routes can misbehave
on purpose: answer late or never, drip the body, cut it short, redirect, or
demand Basic or Digest authentication (RFC 7616, MD5, qop=auth).
"""

import base64
import dataclasses
import hashlib
import http.server
import os
import re
import secrets
import socket
import ssl
import subprocess
import threading
import time
import urllib.parse

REALM = 'provisioning'
REQUEST_WAIT_TIMEOUT = 10.0


@dataclasses.dataclass
class Auth:
    """Credentials a route demands. scheme is 'basic' or 'digest'."""
    scheme: str
    username: str
    password: str


@dataclasses.dataclass
class Route:
    """How a path is answered.

    delay: seconds before the status line is sent.
    hang: read the request and never answer (until the server closes).
    drip: (chunk bytes, seconds between chunks) for the body.
    truncate: declare the whole body in Content-Length, send only this many
      bytes of it, then close the connection.
    send_length: False omits Content-Length and sends the body chunked.
    redirect: Location to answer with (status 302 unless status is a 3xx).
    auth: an Auth the request must satisfy, else 401 with a challenge.
    etag, last_modified: sent as ETag and Last-Modified; with honour_conditional,
      a request whose If-None-Match is etag (or, without If-None-Match, whose
      If-Modified-Since is last_modified) gets 304 Not Modified without a body
      (RFC 9110 §13.1.1-§13.1.3, exact comparison is enough here).
    """
    status: int = 200
    body: bytes = b''
    content_type: str = 'application/xml'
    headers: dict = dataclasses.field(default_factory=dict)
    delay: float = 0.0
    hang: bool = False
    drip: tuple = None
    truncate: int = None
    send_length: bool = True
    redirect: str = None
    auth: Auth = None
    etag: str = None
    last_modified: str = None
    honour_conditional: bool = True


@dataclasses.dataclass
class RecordedRequest:
    method: str
    target: str  # as sent in the request line
    path: str
    query: str
    headers: list  # [(name, value)] in the order received
    received: float  # time.monotonic()
    aborted: bool = False  # the client went away while the body was sent

    def header(self, name):
        """The first value of header name (case-insensitive), or None."""
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    @property
    def user_agent(self):
        return self.header('User-Agent')

    @property
    def authorization(self):
        return self.header('Authorization')


# ---- Authentication ---------------------------------------------------------

def _md5(text):
    return hashlib.md5(text.encode('utf-8')).hexdigest()


_DIGEST_PARAMETER = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


def parse_digest_authorization(value):
    """The parameters of an 'Authorization: Digest ...' header, or None."""
    if value is None or not value.lower().startswith('digest '):
        return None
    return {match.group(1).lower(): match.group(2) if match.group(2) is not None else match.group(3)
            for match in _DIGEST_PARAMETER.finditer(value[len('digest '):])}


class DigestVerifier:
    """The server side of RFC 7616 Digest with MD5 and qop=auth."""

    def __init__(self):
        self._nonces = set()
        self._lock = threading.Lock()

    def challenge(self):
        nonce = secrets.token_hex(16)
        with self._lock:
            self._nonces.add(nonce)
        return (f'Digest realm="{REALM}", qop="auth", algorithm=MD5, '
                f'nonce="{nonce}", opaque="{secrets.token_hex(8)}"')

    def verify(self, method, target, authorization, auth):
        parameters = parse_digest_authorization(authorization)
        if parameters is None:
            return False
        with self._lock:
            known_nonce = parameters.get('nonce') in self._nonces
        if (not known_nonce or parameters.get('username') != auth.username
                or parameters.get('realm') != REALM or parameters.get('uri') != target
                or parameters.get('qop') != 'auth'
                or parameters.get('algorithm', 'MD5').upper() != 'MD5'):
            return False
        ha1 = _md5(f'{auth.username}:{REALM}:{auth.password}')
        ha2 = _md5(f'{method}:{target}')
        expected = _md5(':'.join((ha1, parameters['nonce'], parameters.get('nc', ''),
                                  parameters.get('cnonce', ''), 'auth', ha2)))
        return secrets.compare_digest(expected, parameters.get('response', ''))


def basic_authorization(username, password):
    token = base64.b64encode(f'{username}:{password}'.encode('utf-8')).decode('ascii')
    return f'Basic {token}'


# ---- The server -------------------------------------------------------------

class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'provisiond-test-httpd'

    def log_message(self, format, *args):  # noqa: A002 (BaseHTTPRequestHandler's name)
        pass  # the recorded requests are the log

    def do_GET(self):
        owner = self.server.owner
        split = urllib.parse.urlsplit(self.path)
        request = RecordedRequest(self.command, self.path, split.path, split.query,
                                  list(self.headers.items()), time.monotonic())
        owner.record(request)
        route = owner.route_for(request)
        try:
            self._answer(owner, request, route)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, TimeoutError):
            request.aborted = True
            self.close_connection = True

    def _answer(self, owner, request, route):
        if route is None:
            self._send_simple(404, b'not found\n')
            return
        if route.hang:
            owner.stopping.wait()
            self.close_connection = True
            return
        if route.delay > 0 and owner.stopping.wait(route.delay):
            self.close_connection = True
            return
        if route.auth is not None and not self._authorized(owner, route.auth):
            return
        if route.redirect is not None:
            status = route.status if 300 <= route.status < 400 else 302
            self._send_simple(status, b'', {'Location': route.redirect})
            return
        if self._not_modified(route):
            self._send_not_modified(route)
            return
        self._send_body(owner, route)

    def _not_modified(self, route):
        if not route.honour_conditional:
            return False
        if_none_match = self.headers.get('If-None-Match')
        if if_none_match is not None:
            return route.etag is not None and if_none_match == route.etag
        if_modified_since = self.headers.get('If-Modified-Since')
        return (if_modified_since is not None and route.last_modified is not None
                and if_modified_since == route.last_modified)

    def _validator_headers(self, route):
        if route.etag is not None:
            self.send_header('ETag', route.etag)
        if route.last_modified is not None:
            self.send_header('Last-Modified', route.last_modified)

    def _send_not_modified(self, route):
        self.send_response(304)
        self._validator_headers(route)
        self.end_headers()
        self.wfile.flush()

    def _authorized(self, owner, auth):
        authorization = self.headers.get('Authorization')
        if auth.scheme == 'basic':
            if authorization == basic_authorization(auth.username, auth.password):
                return True
            challenge = f'Basic realm="{REALM}"'
        else:
            if owner.digest.verify(self.command, self.path, authorization, auth):
                return True
            challenge = owner.digest.challenge()
        self._send_simple(401, b'unauthorized\n', {'WWW-Authenticate': challenge})
        return False

    def _send_simple(self, status, body, headers=None):
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header('Content-Type', 'text/plain')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send_body(self, owner, route):
        body = route.body
        self.send_response(route.status)
        self.send_header('Content-Type', route.content_type)
        self._validator_headers(route)
        for name, value in route.headers.items():
            self.send_header(name, value)
        if route.send_length:
            self.send_header('Content-Length', str(len(body)))
        else:
            self.send_header('Transfer-Encoding', 'chunked')
        if route.truncate is not None:
            self.send_header('Connection', 'close')
        self.end_headers()
        if route.truncate is not None:
            body = body[:route.truncate]
            self.close_connection = True
        chunk_size, interval = route.drip or (max(len(body), 1), 0)
        for offset in range(0, len(body), chunk_size):
            self._write(body[offset:offset + chunk_size], route.send_length)
            if interval and owner.stopping.wait(interval):
                self.close_connection = True
                return
        if not route.send_length:
            self.wfile.write(b'0\r\n\r\n')
        self.wfile.flush()

    def _write(self, data, plain):
        if not plain:
            data = b'%x\r\n%s\r\n' % (len(data), data)
        self.wfile.write(data)
        self.wfile.flush()


class _ThreadingServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, owner, tls_context):
        self.owner = owner
        self.tls_context = tls_context
        super().__init__(('127.0.0.1', 0), _Handler)

    def finish_request(self, request, client_address):
        self.owner.record_connection()
        # The handler writes the headers and the body separately: with Nagle's
        # algorithm the body waits for the client's delayed ACK (40 ms a file).
        request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # The TLS handshake runs in the request's thread: a client that
        # refuses our certificate must not stall the accepting loop.
        if self.tls_context is None:
            super().finish_request(request, client_address)
            return
        try:
            tls_socket = self.tls_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as error:
            self.owner.record_tls_failure(error)
            return
        try:
            super().finish_request(tls_socket, client_address)
        finally:
            tls_socket.close()

    def handle_error(self, request, client_address):
        pass  # a client hanging up mid-answer is part of the tests


class TestServer:
    """A route-driven HTTP(S) server on 127.0.0.1 that records requests."""

    def __init__(self, tls_context=None):
        self.routes = {}
        self.digest = DigestVerifier()
        self.stopping = threading.Event()
        self._requests = []
        self._tls_failures = []
        self._connections = 0
        self._lock = threading.Condition()
        self._httpd = _ThreadingServer(self, tls_context)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={'poll_interval': 0.05},
                                        name=f'httpd-{self.port}', daemon=True)
        self._thread.start()

    # -- addresses --

    @property
    def port(self):
        return self._httpd.server_address[1]

    @property
    def scheme(self):
        return 'https' if self._httpd.tls_context is not None else 'http'

    @property
    def origin(self):
        return f'{self.scheme}://127.0.0.1:{self.port}'

    def url(self, path, userinfo=None):
        """The absolute URL of path on this server, optionally with user:password@."""
        authority = f'127.0.0.1:{self.port}'
        if userinfo is not None:
            authority = f'{userinfo}@{authority}'
        return f'{self.scheme}://{authority}{path}'

    # -- routes --

    def add(self, path, route=None, **fields):
        """Answers path (without query) with route, or with Route(**fields)."""
        self.routes[path] = route if route is not None else Route(**fields)
        return self.routes[path]

    def add_document(self, path, body, **fields):
        return self.add(path, Route(body=body, **fields))

    def route_for(self, request):
        return self.routes.get(request.path)

    # -- what was asked --

    def record(self, request):
        with self._lock:
            self._requests.append(request)
            self._lock.notify_all()

    def record_connection(self):
        with self._lock:
            self._connections += 1
            self._lock.notify_all()

    def record_tls_failure(self, error):
        with self._lock:
            self._tls_failures.append(error)
            self._lock.notify_all()

    @property
    def requests(self):
        with self._lock:
            return list(self._requests)

    @property
    def connections(self):
        """How many connections were accepted, with or without a request."""
        with self._lock:
            return self._connections

    @property
    def tls_failures(self):
        with self._lock:
            return list(self._tls_failures)

    def targets(self):
        """The request targets (path and query) in the order received."""
        return [request.target for request in self.requests]

    def paths(self):
        return [request.path for request in self.requests]

    def requests_for(self, path):
        return [request for request in self.requests if request.path == path]

    def clear(self):
        with self._lock:
            self._requests.clear()
            self._tls_failures.clear()
            self._connections = 0

    def wait_for_request(self, path, timeout=REQUEST_WAIT_TIMEOUT):
        """Blocks until a request for path arrived; returns it."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                for request in self._requests:
                    if request.path == path:
                        return request
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f'no request for {path} within {timeout} s '
                                         f'(seen: {[r.target for r in self._requests]})')
                self._lock.wait(remaining)

    def close(self):
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()


def start_server(test_case, tls_context=None):
    """A TestServer closed when test_case ends."""
    server = TestServer(tls_context)
    test_case.addCleanup(server.close)
    return server


def refusing_port(test_case):
    """A local port that refuses connections until test_case ends: bound but
    not listening, so that no other process can take it meanwhile."""
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    test_case.addCleanup(holder.close)
    holder.bind(('127.0.0.1', 0))
    return holder.getsockname()[1]


# ---- TLS --------------------------------------------------------------------

def make_self_signed_certificate(directory, name, subject_alt_name='IP:127.0.0.1'):
    """A self-signed RSA certificate and key (PEM files in directory),
    made by the openssl CLI. Returns (certificate path, key path)."""
    certificate = os.path.join(directory, f'{name}.crt')
    key = os.path.join(directory, f'{name}.key')
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
                    '-subj', '/CN=127.0.0.1', '-addext', f'subjectAltName={subject_alt_name}',
                    '-keyout', key, '-out', certificate],
                   check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)
    return certificate, key


def server_tls_context(certificate, key):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate, key)
    return context


def fixture_tls_context(tls_dir, client_ca=None, tls_version=None):
    """The server certificate of the test fixtures in tls_dir (tests/data/tls: server.pem,
    signed by ca.pem). With client_ca (a file there), client certificates must be signed by
    it; with tls_version, only that TLS version is spoken."""
    context = server_tls_context(f'{tls_dir}/server.pem', f'{tls_dir}/server.key')
    if client_ca is not None:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(f'{tls_dir}/{client_ca}')
    if tls_version is not None:
        context.minimum_version = context.maximum_version = tls_version
    return context
