# SPDX-License-Identifier: LGPL-2.1-or-later
"""Real-world inputs that failed before (field reports): a URL with blanks
around it at every entry point; reference and settings files in other
encodings than UTF-8 (byte order mark, XML declaration, HTTP charset);
unescaped vendor markers outside <URL>; relative URLs and cycles after a
redirect; and error messages that state the true cause."""

import ssl
import subprocess
import tempfile

import harness
import httpd
from httpd import Auth
from run_case import (MAC_IN_URLS, SERIAL, RunTestCase, error_name, provisioning_document,
                      reference_document, settings_leaves, telephony_patch)

USERNAME = 'prov-user-f5r2'
PASSWORD = 'pw-h8d1-s3cret'
TLS_DIR = harness.source_path('tests', 'data', 'tls')
MUELLER = 'M\u00fcller'


def displayname_patch(name, declaration=''):
    return (f'{declaration}<configuration><identities><identity><displayname>{name}</displayname>'
            f'</identity></identities></configuration>')


def backup_displayname(daemon):
    identities = daemon.backup_sections(['identities'])['identities']
    return identities.find('identity').findtext('displayname')


def provisionctl(*args):
    return subprocess.run([harness.provisionctl_binary(), '--system', *args], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)


class UrlInputTest(RunTestCase):
    """K2: one normaliser for every place a URL enters."""

    def setUp(self):
        super().setUp()
        self.server.add_document('/x.xml', telephony_patch(active=False))

    def test_url_option_with_trailing_space(self):
        outcome = self.provision(self.server.url('/x.xml') + ' ')

        self.assertFinished(outcome, sections_changed=1)
        self.assertEqual(['/x.xml'], self.server.targets())
        self.assertEqual(self.server.url('/x.xml'), self.daemon.status()['Url'])

    def test_url_option_with_leading_space(self):
        outcome = self.provision(' ' + self.server.url('/x.xml'))

        self.assertFinished(outcome, sections_changed=1)
        self.assertEqual(['/x.xml'], self.server.targets())

    def test_url_option_with_markers_tab_and_newline(self):
        path = f'/phone-{MAC_IN_URLS}.xml'
        self.server.add_document(path, telephony_patch(tone=False))

        outcome = self.provision('\t' + self.server.url('/phone-{mac}.xml') + ' \r\n')

        self.assertFinished(outcome, sections_changed=1)
        self.assertEqual([path], self.server.targets())

    def test_blank_url_option_uses_the_configured_url(self):
        self.apply(provisioning_document(url=self.server.url('/x.xml')))

        outcome = self.provision('   ')

        self.assertFinished(outcome, sections_changed=1)
        self.assertEqual(['/x.xml'], self.server.targets())
        self.assertEqual(self.server.url('/x.xml'), self.daemon.status()['Url'])

    def test_blank_url_option_without_configured_url_is_no_source(self):
        self.assertRunFails(' \t ', 'NoSource')

    def test_configured_url_with_blanks_around_it(self):
        self.apply(provisioning_document(url=f'\n   {self.server.url("/x.xml")} \t\n'))

        outcome = self.provision()

        self.assertFinished(outcome, sections_changed=1)
        self.assertEqual(['/x.xml'], self.server.targets())

    def test_reference_urls_with_blanks_and_a_blank_one(self):
        self.server.add_document('/r/references.xml', reference_document('\n  x.xml \t', ' ', '\r\n'))
        self.server.add_document('/r/x.xml', telephony_patch(tone=False))

        outcome = self.provision(self.server.url('/r/references.xml'))

        self.assertFinished(outcome, sections_changed=1)
        self.assertEqual(['/r/references.xml', '/r/x.xml'], self.server.targets())

    def test_second_start_with_the_active_url_in_blanks_joins(self):
        # The one-run rule compares normalised URLs: blanks around the active run's URL join it, a
        # blank url joins it, and another URL in blanks is Busy naming it without the blanks.
        self.server.add('/silent.xml', hang=True)
        run_id = self.start_run(' ' + self.server.url('/silent.xml') + '\n')
        self.server.wait_for_request('/silent.xml')

        same_url = self.start_run('\t' + self.server.url('/silent.xml') + ' ')
        plain_url = self.start_run(self.server.url('/silent.xml'))
        blank_url = self.start_run(' \r\n')
        with self.assertDBusError(error_name('Busy')) as refused:
            self.start_run('  ' + self.server.url('/x.xml') + ' ')

        self.assertEqual([run_id] * 3, [same_url, plain_url, blank_url])
        self.assertIn(f'a run from {self.server.url("/x.xml")} can start', refused['message'])
        self.assertEqual(self.server.url('/silent.xml'), self.daemon.status()['Url'])
        self.daemon.cancel()
        self.assertEqual('Failed', self.wait_run(run_id).member)
        self.assertEqual(['/silent.xml'], self.server.targets(), 'a joining or refused call started a download')

    def test_provisionctl_start_url_with_spaces(self):
        for url in (f' {self.server.url("/x.xml")} ', f' {self.server.url("/x.xml")}',
                    f'{self.server.url("/x.xml")} '):
            with self.subTest(url=url):
                self.server.clear()
                result = provisionctl('start', '--url', url)
                self.assertEqual(0, result.returncode, result.stdout + result.stderr)
                self.assertEqual(['/x.xml'], self.server.targets())

    def test_provisionctl_start_blank_url_uses_the_configured_url(self):
        self.apply(provisioning_document(url=self.server.url('/x.xml')))

        result = provisionctl('start', '--url', ' ')

        self.assertEqual(0, result.returncode, result.stdout + result.stderr)
        self.assertEqual(['/x.xml'], self.server.targets())


def utf16le_bom(text):
    return b'\xff\xfe' + text.encode('utf-16-le')


def utf16be_bom(text):
    return b'\xfe\xff' + text.encode('utf-16-be')


def utf8_bom(text):
    return b'\xef\xbb\xbf' + text.encode('utf-8')


class EncodingTest(RunTestCase):
    """K3 and K4a: bytes are decoded before anything reads them."""

    def setUp(self):
        super().setUp()
        self.phone_path = f'/e/phone-{MAC_IN_URLS}.xml'
        self.server.add_document(self.phone_path, telephony_patch(active=False))

    def assertPhoneFileFetched(self, reference_body, **route):
        self.server.add_document('/e/references.xml', reference_body, **route)

        outcome = self.provision(self.server.url('/e/references.xml'))

        self.assertFinished(outcome, sections_changed=1)
        self.assertEqual(['/e/references.xml', self.phone_path], self.server.targets())
        self.assertEqual('false', settings_leaves(self.daemon)['telephony/callWaiting/active'])

    def test_utf16le_reference_with_bom_and_vendor_marker(self):
        self.assertPhoneFileFetched(utf16le_bom(
            '<?xml version="1.0" encoding="UTF-16"?>\n'
            '<referencedSettings><URL>phone-<MACADR>.xml</URL></referencedSettings>\n'))

    def test_utf16le_reference_with_bom_without_declaration(self):
        self.assertPhoneFileFetched(utf16le_bom(
            '<referencedSettings><URL>phone-<MACADR>.xml</URL></referencedSettings>'))

    def test_utf16be_reference_with_bom(self):
        self.assertPhoneFileFetched(utf16be_bom(
            '<?xml version="1.0" encoding="UTF-16"?>'
            '<referencedSettings><URL>phone-<MACADR>.xml</URL></referencedSettings>'))

    def test_utf8_bom_reference(self):
        self.assertPhoneFileFetched(utf8_bom(
            '<referencedSettings><URL>phone-<MACADR>.xml</URL></referencedSettings>'))

    def test_legal_spellings_of_the_url_tag(self):
        self.assertPhoneFileFetched(
            b'<referencedSettings><URL >phone-<MACADR>.xml</URL\n></referencedSettings>')

    def test_latin1_declared_in_the_xml_declaration(self):
        body = displayname_patch(MUELLER, '<?xml version="1.0" encoding="ISO-8859-1"?>').encode('latin-1')
        self.server.add_document('/latin1.xml', body)

        self.assertFinished(self.provision(self.server.url('/latin1.xml')), sections_changed=1)
        self.assertEqual(MUELLER, backup_displayname(self.daemon))

    def test_latin1_by_http_charset_without_declaration(self):
        # A PHP provisioning script with default settings (RFC 7303 §3.2: charset wins without a BOM).
        body = displayname_patch(MUELLER).encode('latin-1')
        self.server.add_document('/prov.php', body, content_type='application/xml; charset=ISO-8859-1')

        self.assertFinished(self.provision(self.server.url('/prov.php')), sections_changed=1)
        self.assertEqual(MUELLER, backup_displayname(self.daemon))

    def test_http_charset_wins_over_the_xml_declaration(self):
        body = displayname_patch(MUELLER, '<?xml version="1.0" encoding="UTF-8"?>').encode('latin-1')
        self.server.add_document('/prov.php', body, content_type='text/xml; charset="iso-8859-1"')

        self.assertFinished(self.provision(self.server.url('/prov.php')), sections_changed=1)
        self.assertEqual(MUELLER, backup_displayname(self.daemon))

    def test_windows_1252_by_http_charset(self):
        body = displayname_patch('Caf\u00e9 \u20ac').encode('cp1252')
        self.server.add_document('/cp.xml', body, content_type='application/xml; charset=windows-1252')

        self.assertFinished(self.provision(self.server.url('/cp.xml')), sections_changed=1)
        self.assertEqual('Caf\u00e9 \u20ac', backup_displayname(self.daemon))

    def test_undeclared_latin1_names_the_missing_charset(self):
        self.server.add_document('/latin1.xml', displayname_patch(MUELLER).encode('latin-1'))

        outcome = self.assertRunFails(self.server.url('/latin1.xml'), 'InvalidFile')

        self.assertIn('not valid UTF-8', outcome.error_message)
        self.assertIn('no byte order mark, charset or encoding declaration', outcome.error_message)

    def test_unknown_http_charset_is_named(self):
        self.server.add_document('/x.xml', b'<configuration/>', content_type='application/xml; charset=x-nope')

        outcome = self.assertRunFails(self.server.url('/x.xml'), 'InvalidFile')

        self.assertIn('"x-nope"', outcome.error_message)
        self.assertIn('HTTP Content-Type charset', outcome.error_message)

    def test_utf16_file_through_apply_file(self):
        self.apply(utf16le_bom(displayname_patch(MUELLER, '<?xml version="1.0" encoding="UTF-16"?>')))

        self.assertEqual(MUELLER, backup_displayname(self.daemon))


class UnescapedMarkerTest(RunTestCase):
    """K3: a marker outside <URL> fails with a message naming it and its element."""

    DOCUMENT = ('<configuration>\n<provisioning>\n<url>http://prov.example/<MACADR>.xml</url>\n'
                '</provisioning>\n</configuration>\n')

    def test_marker_outside_url_in_a_run(self):
        self.server.add_document('/m.xml', self.DOCUMENT.encode('utf-8'))

        outcome = self.assertRunFails(self.server.url('/m.xml'), 'InvalidFile')

        self.assertIn('unescaped marker <MACADR> in <url>', outcome.error_message)
        self.assertIn('line 3', outcome.error_message)
        self.assertIn('{mac}', outcome.error_message)

    def test_marker_outside_url_in_utf16_through_apply_file(self):
        stored = self.daemon.state_snapshot()
        with self.assertDBusError(harness.ERROR_PREFIX + 'InvalidFile') as caught:
            self.apply(utf16le_bom(displayname_patch('Desk <SERIAL>')))

        self.assertIn('unescaped marker <SERIAL> in <displayname>', caught['message'])
        self.assertEqual(stored, self.daemon.state_snapshot())


class RedirectBaseTest(RunTestCase):
    """K4b: relative <URL>s and the cycle check use the URL a file finally came from."""

    limits = {'MaxReferenceDepth': 6, 'MaxFiles': 8}

    def test_relative_url_resolves_against_the_final_url(self):
        self.server.add('/old/references.xml', redirect=self.server.url('/new/references.xml'))
        self.server.add_document('/new/references.xml', reference_document('patch.xml'))
        self.server.add_document('/new/patch.xml', telephony_patch(active=False))

        outcome = self.provision(self.server.url('/old/references.xml'))

        self.assertFinished(outcome, sections_changed=1)
        self.assertEqual(['/old/references.xml', '/new/references.xml', '/new/patch.xml'], self.server.paths())

    def test_relative_url_after_a_redirect_to_another_host(self):
        self.server.add('/moved/references.xml', redirect=self.other_server.url('/prov/references.xml'))
        self.other_server.add_document('/prov/references.xml', reference_document('../phone.xml'))
        self.other_server.add_document('/phone.xml', telephony_patch(tone=False))

        outcome = self.provision(self.server.url('/moved/references.xml'))

        self.assertFinished(outcome, sections_changed=1)
        self.assertEqual(['/prov/references.xml', '/phone.xml'], self.other_server.paths())

    def test_cycle_through_the_final_url(self):
        # /r/a.xml is served from /real/a.xml, which refers to itself by its final URL.
        self.server.add('/r/a.xml', redirect=self.server.url('/real/a.xml'))
        self.server.add_document('/real/a.xml', reference_document('/real/a.xml'))

        outcome = self.assertRunFails(self.server.url('/r/a.xml'), 'ReferenceCycle')

        self.assertEqual(['/r/a.xml', '/real/a.xml'], self.server.paths())
        self.assertIn('/real/a.xml', outcome.error_message)

    def test_redirect_back_into_the_chain_is_a_cycle(self):
        self.server.add_document('/c/a.xml', reference_document('b.xml'))
        self.server.add('/c/b.xml', redirect=self.server.url('/c/a.xml'))

        outcome = self.assertRunFails(self.server.url('/c/a.xml'), 'ReferenceCycle')

        self.assertIn('/c/a.xml', outcome.error_message)


class TlsCa:
    """The test CA in tests/data/tls: the daemon trusts it, the server presents its certificate."""
    config = {'CAFile': f'{TLS_DIR}/ca.pem'}

    @staticmethod
    def server_context(require_client_certificate=False, tls_version=None):
        return httpd.fixture_tls_context(TLS_DIR, 'ca.pem' if require_client_certificate else None, tls_version)


class ErrorCauseTest(RunTestCase):
    """K5: the message states the true cause, not a generic one."""

    tls = TlsCa.config

    def setUp(self):
        super().setUp()
        self.https = httpd.start_server(self, TlsCa.server_context())
        self.body = telephony_patch(active=False)

    def assertCredentialsNowhere(self):
        self.recorder.sync()
        texts = [repr(value) for value in self.daemon.status().values()] + [self.daemon.log_text()]
        for secret in (USERNAME, PASSWORD):
            self.assertEqual([], [text for text in texts if secret in text], f'{secret!r} leaked')

    def test_configured_credentials_withheld_after_redirect_to_another_origin(self):
        self.set_credentials(USERNAME, PASSWORD)
        self.server.add('/settings.xml', redirect=self.https.url('/protected/settings.xml'))
        self.https.add('/protected/settings.xml', body=self.body, auth=Auth('basic', USERNAME, PASSWORD))

        outcome = self.assertRunFails(self.server.url('/settings.xml'), 'Authentication')

        message = outcome.error_message
        self.assertNotIn('no credentials configured', message)
        self.assertIn('the configured credentials', message)
        self.assertIn('were not sent', message)
        self.assertIn(f'they belong to {self.server.origin}', message)
        self.assertIn(f'another origin, {self.https.origin}', message)
        self.assertEqual([None], [request.authorization for request in self.https.requests])
        self.assertCredentialsNowhere()

    def test_url_credentials_withheld_from_another_origin(self):
        self.server.add('/settings.xml', redirect=self.https.url('/protected/settings.xml'))
        self.https.add('/protected/settings.xml', body=self.body, auth=Auth('digest', USERNAME, PASSWORD))

        outcome = self.assertRunFails(self.server.url('/settings.xml', userinfo=f'{USERNAME}:{PASSWORD}'),
                                      'Authentication')

        self.assertIn('the user name and password in the URL were not sent', outcome.error_message)
        self.assertIn(self.https.origin, outcome.error_message)
        self.assertCredentialsNowhere()

    def test_no_credentials_at_all(self):
        self.https.add('/protected.xml', body=self.body, auth=Auth('digest', USERNAME, PASSWORD))

        outcome = self.assertRunFails(self.https.url('/protected.xml'), 'Authentication')

        self.assertIn('no credentials configured', outcome.error_message)

    def test_wrong_configured_password(self):
        self.set_credentials(USERNAME, 'not-the-password-v4')
        self.https.add('/protected.xml', body=self.body, auth=Auth('basic', USERNAME, PASSWORD))

        outcome = self.assertRunFails(self.https.url('/protected.xml'), 'Authentication')

        self.assertIn('the server refused the configured credentials', outcome.error_message)
        self.assertNotIn('not-the-password-v4', outcome.error_message)

    def test_configured_credentials_reach_a_reference_at_their_origin(self):
        self.set_credentials(USERNAME, PASSWORD)
        self.https.add_document('/prov/references.xml', reference_document('protected.xml'))
        self.https.add('/prov/protected.xml', body=self.body, auth=Auth('basic', USERNAME, PASSWORD))

        self.assertFinished(self.provision(self.https.url('/prov/references.xml')), sections_changed=1)

    def test_client_certificate_required(self):
        # TLS 1.2 refuses in the handshake; TLS 1.3 completes it and the server's alert ends the first read.
        for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
            with self.subTest(version=version):
                demanding = httpd.start_server(
                    self, TlsCa.server_context(require_client_certificate=True, tls_version=version))
                demanding.add_document('/settings.xml', self.body)

                outcome = self.assertRunFails(demanding.url('/settings.xml'), 'Certificate')

                self.assertIn('requires a TLS client certificate', outcome.error_message)
                self.assertNotIn('TLS certificate of', outcome.error_message)

    def test_unsupported_version_names_the_file_of_a_run(self):
        self.server.add_document('/v/references.xml', reference_document('good.xml', 'newer.xml'))
        self.server.add_document('/v/good.xml', telephony_patch(tone=False))
        self.server.add_document('/v/newer.xml', b'<telephony version="9.0.0"><callWaiting><active>false'
                                                 b'</active></callWaiting></telephony>')

        outcome = self.assertRunFails(self.server.url('/v/references.xml'), 'UnsupportedVersion')

        self.assertTrue(outcome.error_message.startswith(self.server.url('/v/newer.xml') + ': '),
                        outcome.error_message)

    def test_401_without_a_challenge(self):
        self.set_credentials(USERNAME, PASSWORD)
        self.server.add('/bare401.xml', status=401, body=b'go away')

        outcome = self.assertRunFails(self.server.url('/bare401.xml'), 'Authentication')

        self.assertIn('the server sent no challenge', outcome.error_message)
        self.assertNotIn('no credentials configured', outcome.error_message)

    def test_reference_file_with_markers_through_apply_file_is_reference_not_allowed(self):
        # Not "not well-formed": the markers inside <URL> are accepted, the type is what is refused.
        with self.assertDBusError(harness.ERROR_PREFIX + 'ReferenceNotAllowed'):
            self.apply(b'<referencedSettings><URL>phone-<MACADR>.xml</URL></referencedSettings>')

    def test_certificate_not_from_the_ca_file_says_only_the_ca_file_is_trusted(self):
        with tempfile.TemporaryDirectory(prefix='provisiond-itest-tls-') as directory:
            foreign = httpd.start_server(self, httpd.server_tls_context(
                *httpd.make_self_signed_certificate(directory, 'foreign')))
        foreign.add_document('/settings.xml', self.body)

        outcome = self.assertRunFails(foreign.url('/settings.xml'), 'Certificate')

        self.assertIn('unknown certificate authority', outcome.error_message)
        self.assertIn('only the [TLS] CAFile is trusted', outcome.error_message)

    def test_html_instead_of_xml_names_the_content_type(self):
        self.server.add_document('/portal.xml', b'<html><body>Login<br></body></html>', content_type='text/html')

        outcome = self.assertRunFails(self.server.url('/portal.xml'), 'InvalidFile')

        self.assertIn('text/html', outcome.error_message)


if __name__ == '__main__':
    harness.main()
