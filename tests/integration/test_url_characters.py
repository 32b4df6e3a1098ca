# SPDX-License-Identifier: LGPL-2.1-or-later
"""URLs as people and servers write them: a space, a character no URI may hold, or a non-ASCII
character (an IRI) in the path or the query, at every place a URL enters provisiond. What the
server sees is the URL mapped to a URI (RFC 3987 section 3.1, as browsers and curl send it):
each such character percent-encoded, as UTF-8 for a non-ASCII one; an encoded URL is not encoded
twice. GetStatus Url, the run history and the messages show that URI form. A Location whose
bytes are not UTF-8 (libsoup replaces them with U+FFFD before provisiond sees them) is a
Redirect error naming the redirecting URL, not a request for a URL the server never named."""

import shutil
import socket
import tempfile
import threading

import harness
import httpd
from gi.repository import GLib
from harness import DaemonTestCase, SignalRecorder
from run_case import (DEVICE, MAC_IN_URLS, SERIAL, RunTestCase, error_name, provisioning_document,
                      reference_document, run_config, settings_leaves, telephony_patch)

MUELLER = 'M\u00fcller'
MUELLER_ENCODED = 'M%C3%BCller'
TLS_DIR = harness.source_path('tests', 'data', 'tls')
RUN_TIMEOUT = 60.0  # an upper bound against a hang, never a timing assertion


def list_runs(daemon):
    (runs,) = harness.call(daemon.connection, 'ListRuns', None, '(a(ta{sv}))')
    return runs


class StartUrlTest(RunTestCase):
    """The StartProvisioning url option, and the one-run rule that compares it."""

    def setUp(self):
        super().setUp()
        for path in ('/phones/Lab%20Phone.xml', '/cfg.xml', f'/{MUELLER_ENCODED}.xml'):
            self.server.add_document(path, telephony_patch(active=False))

    def assertRequested(self, url, target):
        outcome = self.provision(url)

        self.assertFinished(outcome, sections_changed=1)
        self.assertEqual([target], self.server.targets())
        self.assertEqual(self.server.url(target), self.daemon.status()['Url'])
        self.assertEqual(self.server.url(target), list_runs(self.daemon)[-1][1]['Url'])

    def test_space_in_the_path_is_encoded(self):
        self.assertRequested(self.server.url('/phones/Lab Phone.xml'), '/phones/Lab%20Phone.xml')

    def test_space_in_the_query_is_encoded(self):
        self.assertRequested(self.server.url('/cfg.xml?site=Lab A'), '/cfg.xml?site=Lab%20A')

    def test_non_ascii_is_encoded_as_utf8(self):
        self.assertRequested(self.server.url(f'/{MUELLER}.xml'), f'/{MUELLER_ENCODED}.xml')

    def test_encoded_url_is_not_encoded_twice(self):
        self.assertRequested(self.server.url(f'/{MUELLER_ENCODED}.xml'), f'/{MUELLER_ENCODED}.xml')

    def test_characters_no_uri_holds_are_encoded(self):
        # RFC 3987 section 3.1: " < > \ ^ ` { | } (provisiond sent them as they were before).
        target = '/x%22%3C%3E%5C%5E%60%7B%7C%7D.xml'
        self.server.add_document(target, telephony_patch(active=False))

        self.assertRequested(self.server.url('/x"<>\\^`{|}.xml'), target)

    def test_percent_without_hex_digits_is_named(self):
        message = self.assertRunFails(self.server.url('/100% Lab.xml'), 'UnsupportedUrl').error_message

        self.assertIn("a '%' not followed by two hexadecimal digits (a '%' itself is written %25)", message)
        self.assertEqual([], self.server.targets())

    def test_second_start_with_the_url_in_the_other_form_joins(self):
        self.server.add('/hang%20ing.xml', hang=True)
        run_id = self.start_run(self.server.url('/hang ing.xml'))
        self.server.wait_for_request('/hang%20ing.xml')

        joined = self.start_run(self.server.url('/hang%20ing.xml'))

        self.assertEqual(run_id, joined)
        self.daemon.cancel()
        self.assertEqual('Failed', self.wait_run(run_id).member)
        self.assertEqual(['/hang%20ing.xml'], self.server.targets())


class ConfiguredUrlTest(RunTestCase):
    """/provisioning/url: stored as written, requested as a URI."""

    def test_configured_url_with_space_and_non_ascii(self):
        target = f'/Lab%20Phones/{MUELLER_ENCODED}.xml'
        self.server.add_document(target, telephony_patch(active=False))
        written = self.server.url(f'/Lab Phones/{MUELLER}.xml')
        self.apply(provisioning_document(url=written))

        outcome = self.provision()

        self.assertFinished(outcome, sections_changed=1)
        self.assertEqual([target], self.server.targets())
        status = self.daemon.status()
        self.assertEqual(('configured', self.server.url(target)), (status['Source'], status['Url']))
        self.assertEqual(written, settings_leaves(self.daemon)['provisioning/url'])


class MarkerValueTest(RunTestCase):
    """Markers are replaced before the URL is mapped; a value with a space is encoded once."""

    def setUp(self):
        self.server = httpd.start_server(self)
        config = run_config()
        config['Device'] = {**DEVICE, 'Type': 'Desk Phone'}
        self.daemon = harness.start_daemon(self, config=config)
        self.recorder = SignalRecorder()
        self.addCleanup(self.recorder.close)

    def test_marker_value_with_a_space_next_to_a_space(self):
        target = f'/phones/Desk%20Phone%20{SERIAL}/{MAC_IN_URLS}.xml'
        self.server.add_document(target, telephony_patch(active=False))

        outcome = self.provision(self.server.url('/phones/{type} <SERIAL>/<MACADR>.xml'))

        self.assertFinished(outcome, sections_changed=1)
        self.assertEqual([target], self.server.targets())
        # Url is the start URL: markers as written, the rest a URI.
        self.assertEqual(self.server.url('/phones/{type}%20<SERIAL>/<MACADR>.xml'), self.daemon.status()['Url'])


class ReferenceUrlTest(RunTestCase):
    """<URL> in a reference file, relative and absolute."""

    def test_relative_and_absolute_references(self):
        self.server.add_document('/r/index.xml', reference_document(
            'Lab Phone.xml', self.other_server.url(f'/{MUELLER}.xml'), f'sub dir/{MUELLER}.xml?site=Lab A',
            '{type} cfg.xml'))
        for path in ('/r/Lab%20Phone.xml', f'/r/sub%20dir/{MUELLER_ENCODED}.xml', '/r/D200%20cfg.xml'):
            self.server.add_document(path, telephony_patch(active=False))
        self.other_server.add_document(f'/{MUELLER_ENCODED}.xml', telephony_patch(tone=False))

        outcome = self.provision(self.server.url('/r/index.xml'))

        self.assertFinished(outcome)
        self.assertEqual(['/r/index.xml', '/r/Lab%20Phone.xml', f'/r/sub%20dir/{MUELLER_ENCODED}.xml?site=Lab%20A',
                          '/r/D200%20cfg.xml'], self.server.targets())
        self.assertEqual([f'/{MUELLER_ENCODED}.xml'], self.other_server.targets())

    def test_absolute_reference_to_itself_written_with_a_space_is_a_cycle(self):
        # Before, the file was fetched a second time: its absolute <URL> with a space did not compare
        # equal to the encoded URL it was fetched from.
        self.server.add_document('/r/my%20refs.xml', reference_document(self.server.url('/r/my refs.xml')))

        message = self.assertRunFails(self.server.url('/r/my%20refs.xml'), 'ReferenceCycle').error_message

        self.assertEqual(['/r/my%20refs.xml'], self.server.targets())
        self.assertIn(f'{self.server.url("/r/my%20refs.xml")} refers to {self.server.url("/r/my%20refs.xml")}',
                      message)


class RawRedirectServer:
    """Answers every request with 302 and a Location of the bytes given, written to the socket as
    they are (no HTTP library in between); records the request lines."""

    def __init__(self, test_case, location):
        self.location = location
        self.request_lines = []
        self._socket = socket.socket()
        self._socket.bind(('127.0.0.1', 0))
        self._socket.listen(4)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        test_case.addCleanup(self.close)

    def url(self, path):
        return f'http://127.0.0.1:{self._socket.getsockname()[1]}{path}'

    def _serve(self):
        while not self._stopping.is_set():
            try:
                connection, _ = self._socket.accept()
            except OSError:
                return
            with connection:
                request = b''
                while b'\r\n\r\n' not in request:
                    data = connection.recv(4096)
                    if not data:
                        break
                    request += data
                self.request_lines.append(request.split(b'\r\n', 1)[0])
                connection.sendall(b'HTTP/1.1 302 Found\r\nLocation: ' + self.location +
                                   b'\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')

    def close(self):
        self._stopping.set()
        try:
            socket.create_connection(self._socket.getsockname(), timeout=1).close()
        except OSError:
            pass
        self._socket.close()
        self._thread.join()


class RedirectLocationTest(RunTestCase):
    """An HTTP redirect's Location header."""

    def setUp(self):
        super().setUp()
        self.server.add_document('/phones/Lab%20Phone.xml', telephony_patch(active=False))
        self.server.add_document(f'/{MUELLER_ENCODED}.xml', telephony_patch(tone=False))

    def test_location_with_a_space(self):
        self.server.add('/moved.xml', redirect='/phones/Lab Phone.xml')

        self.assertFinished(self.provision(self.server.url('/moved.xml')), sections_changed=1)
        self.assertEqual(['/moved.xml', '/phones/Lab%20Phone.xml'], self.server.targets())

    def test_location_in_utf8(self):
        # http.server writes header values in Latin-1: these are the UTF-8 bytes of "Müller".
        self.server.add('/moved.xml', redirect=f'/{MUELLER}.xml'.encode('utf-8').decode('latin-1'))

        self.assertFinished(self.provision(self.server.url('/moved.xml')), sections_changed=1)
        self.assertEqual(['/moved.xml', f'/{MUELLER_ENCODED}.xml'], self.server.targets())

    def test_location_in_latin1_is_a_redirect_error(self):
        redirecting = RawRedirectServer(self, self.server.url('/M\xfcller.xml').encode('latin-1'))

        message = self.assertRunFails(redirecting.url('/moved.xml'), 'Redirect').error_message

        self.assertIn(f'bad redirect from {redirecting.url("/moved.xml")}: its Location is not valid UTF-8',
                      message)
        self.assertEqual([b'GET /moved.xml HTTP/1.1'], redirecting.request_lines)
        self.assertEqual([], self.server.targets(), 'a URL the server never named was fetched')


class DiscoveredUrlTest(DaemonTestCase):
    """DHCP options 66/67 (SetDhcpOptions) and the redirect service's answer."""

    def setUp(self):
        self.work_dir = tempfile.mkdtemp(prefix='provisiond-url-characters-')
        self.addCleanup(shutil.rmtree, self.work_dir, ignore_errors=True)
        self.server = httpd.start_server(self)
        self.target = f'/Lab%20Phones/{MUELLER_ENCODED}.xml'
        self.server.add_document(self.target, telephony_patch(active=False))

    def start(self, config=None, **provisioning):
        defaults = harness.defaults_with_provisioning(self.work_dir, **provisioning)
        self.daemon = harness.start_daemon(self, defaults=defaults, config={'Device': DEVICE, **(config or {})})
        self.recorder = SignalRecorder()
        self.addCleanup(self.recorder.close)

    def run_to_end(self):
        run_id = self.daemon.start_provisioning()
        member, args = self.recorder.wait_for_run_end(run_id, timeout=RUN_TIMEOUT)
        self.assertEqual('Finished', member, f'{args}\n{self.daemon.log_tail(40)}')
        return self.daemon.status()

    def test_dhcp_options_66_and_67(self):
        self.start(active='false')
        harness.call(self.daemon.connection, 'SetDhcpOptions',
                     GLib.Variant('(sa{ys})', ('eth0', {66: self.server.url('/Lab Phones'), 67: f'{MUELLER}.xml'})),
                     None)

        status = self.run_to_end()

        self.assertEqual([self.target], self.server.targets())
        self.assertEqual(('dhcp', self.server.url(self.target)), (status['Source'], status['Url']))

    def test_redirect_service_answer(self):
        redirect = httpd.start_server(self, httpd.fixture_tls_context(TLS_DIR))
        redirect.add(f'/v1/{MAC_IN_URLS}', content_type='text/plain',
                     body=self.server.url(f'/Lab Phones/{MUELLER}.xml').encode('utf-8') + b'\n')
        self.start(config={'Redirect': {'Url': redirect.url('/v1/{mac}'), 'CAFile': f'{TLS_DIR}/ca.pem'}},
                   url=self.server.url('/configured.xml'))

        status = self.run_to_end()

        self.assertEqual([self.target], self.server.targets())
        self.assertEqual(('redirect', self.server.url(self.target)), (status['Source'], status['Url']))


if __name__ == '__main__':
    harness.main()
