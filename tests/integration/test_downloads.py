# SPDX-License-Identifier: LGPL-2.1-or-later
"""Downloads of provisioning runs against real servers on 127.0.0.1: every
fault is a named error in Failed and GetStatus and leaves the state dir
byte-identical; TLS against a private CA; Basic and Digest authentication;
the User-Agent; markers in the url option."""

import gzip
import shutil
import tempfile

import harness
import httpd
import run_case
from httpd import Auth
from run_case import (DEVICE_TYPE, MAC, MAC_IN_URLS, SERIAL, RunTestCase, settings_leaves, signal_texts,
                      telephony_patch)

MAX_FILE_SIZE = 65536

# Distinctive, so that a leak is found wherever it is.
USERNAME = 'prov-user-q7w3'
PASSWORD = 'pw-x9k4-s3cret'

CERTIFICATES = {}  # name -> (certificate, key); made once in setUpModule
_certificate_dir = None


def setUpModule():
    global _certificate_dir
    _certificate_dir = tempfile.mkdtemp(prefix='provisiond-itest-tls-')
    CERTIFICATES['server'] = httpd.make_self_signed_certificate(_certificate_dir, 'server')
    CERTIFICATES['unrelated'] = httpd.make_self_signed_certificate(_certificate_dir, 'unrelated')
    CERTIFICATES['other-host'] = httpd.make_self_signed_certificate(_certificate_dir, 'other-host',
                                                                   'IP:127.0.0.2')


def tearDownModule():
    shutil.rmtree(_certificate_dir, ignore_errors=True)


class DownloadFaultTest(RunTestCase):
    limits = {'MaxFileSize': MAX_FILE_SIZE}

    def test_http_404(self):
        outcome = self.assertRunFails(self.server.url('/missing.xml'), 'Download')
        self.assertIn('404', outcome.error_message)

    def test_http_500(self):
        self.server.add('/broken.xml', status=500, body=b'internal error\n')
        outcome = self.assertRunFails(self.server.url('/broken.xml'), 'Download')
        self.assertIn('500', outcome.error_message)

    def test_connection_refused(self):
        self.assertRunFails(f'http://127.0.0.1:{httpd.refusing_port(self)}/settings.xml', 'Download')

    def test_server_that_never_answers(self):
        self.server.add('/silent.xml', hang=True)
        self.assertRunFails(self.server.url('/silent.xml'), 'Timeout')
        self.assertEqual(['/silent.xml'], self.server.paths())

    def test_slow_drip_past_the_file_timeout(self):
        # 4 KiB at 16 bytes per 0.1 s: 25 s, far past FileTimeout=2, while
        # bytes keep arriving (an idle timeout would never fire).
        body = telephony_patch(active=False) + b'<!--' + b'.' * 4096 + b'-->'
        self.server.add('/drip.xml', body=body, drip=(16, 0.1))
        self.assertRunFails(self.server.url('/drip.xml'), 'Timeout')

    def test_truncated_body(self):
        body = telephony_patch(active=False) + b'<!--' + b'.' * 2000 + b'-->'
        self.server.add('/truncated.xml', body=body, truncate=100)
        self.assertRunFails(self.server.url('/truncated.xml'), 'Download')

    def test_declared_body_over_the_size_cap(self):
        body = telephony_patch(active=False) + b'<!--' + b'.' * (2 * MAX_FILE_SIZE) + b'-->'
        self.server.add('/large.xml', body=body)
        self.assertRunFails(self.server.url('/large.xml'), 'TooLarge')

    def test_streamed_body_over_the_size_cap_is_aborted_at_once(self):
        # No Content-Length, 8 KiB every 10 ms: the cap is passed after about
        # 80 ms; reading on until FileTimeout would end in Timeout instead.
        body = telephony_patch(active=False) + b'<!--' + b'.' * (16 * 1024 * 1024) + b'-->'
        self.server.add('/stream.xml', body=body, send_length=False, drip=(8192, 0.01))

        self.assertRunFails(self.server.url('/stream.xml'), 'TooLarge')

        request = self.server.requests_for('/stream.xml')[0]
        self.assertDownloadDropped(request)

    def test_redirect_loop(self):
        self.server.add('/loop/a.xml', redirect=self.server.url('/loop/b.xml'))
        self.server.add('/loop/b.xml', redirect=self.server.url('/loop/a.xml'))

        self.assertRunFails(self.server.url('/loop/a.xml'), 'Redirect')

        self.assertLessEqual(len(self.server.requests), run_case.LIMITS['MaxRedirects'] + 1)

    def test_too_many_redirects(self):
        hops = run_case.LIMITS['MaxRedirects'] + 2
        for hop in range(hops):
            self.server.add(f'/hop/{hop}.xml', redirect=f'/hop/{hop + 1}.xml')
        self.server.add_document(f'/hop/{hops}.xml', telephony_patch(active=False))

        self.assertRunFails(self.server.url('/hop/0.xml'), 'Redirect')

    def test_empty_body_is_invalid_file(self):
        self.server.add('/empty.xml', body=b'')
        outcome = self.assertRunFails(self.server.url('/empty.xml'), 'InvalidFile')
        self.assertIn('is empty', outcome.error_message)

    def test_non_xml_body(self):
        self.server.add('/text.xml', body=b'this is not XML at all\n', content_type='text/plain')
        self.assertRunFails(self.server.url('/text.xml'), 'InvalidFile')

    def test_compressed_body_is_not_taken_for_truncated(self):
        # Content-Length counts the gzip bytes, not the decoded body the daemon reads:
        # for a short document the compressed form is the longer one.
        body = b'<operations/>'
        self.assertGreater(len(gzip.compress(body)), len(body))
        self.server.add('/compressed.xml', body=gzip.compress(body), headers={'Content-Encoding': 'gzip'})
        self.assertFinished(self.provision(self.server.url('/compressed.xml')), sections_changed=0)

    def test_invalid_section_fails_the_whole_run(self):
        self.server.add_document('/invalid.xml', harness.read_fixture('invalid-value.xml'))
        message = self.assertRunFails(self.server.url('/invalid.xml'), 'Validation').error_message
        self.assertIn('identities', message)

    def test_section_newer_than_the_firmware_fails_the_run(self):
        self.server.add_document('/newer.xml', b'<telephony version="9.0.0"><callWaiting><active>false</active>'
                                               b'</callWaiting></telephony>')
        self.assertRunFails(self.server.url('/newer.xml'), 'UnsupportedVersion')

    def test_ftp_url_is_unsupported(self):
        self.assertRunFails('ftp://127.0.0.1/settings.xml', 'UnsupportedUrl')

    def test_file_url_is_unsupported(self):
        self.assertRunFails('file:///etc/passwd', 'UnsupportedUrl')

    def test_daemon_still_provisions_after_a_failed_download(self):
        self.assertRunFails(self.server.url('/missing.xml'), 'Download')
        self.server.add_document('/good.xml', telephony_patch(active=False))

        outcome = self.provision(self.server.url('/good.xml'))

        self.assertFinished(outcome, sections_changed=1)
        self.assertEqual('false', settings_leaves(self.daemon)['telephony/callWaiting/active'])


class DownloadTest(RunTestCase):

    def test_redirect_to_another_host_is_followed(self):
        self.server.add('/moved.xml', redirect=self.other_server.url('/settings.xml'))
        self.other_server.add_document('/settings.xml', telephony_patch(active=False))

        outcome = self.provision(self.server.url('/moved.xml'))

        self.assertFinished(outcome, sections_changed=1)
        self.assertEqual(['/settings.xml'], self.other_server.paths())

    def test_user_agent_names_provisiond_version_type_and_mac(self):
        self.server.add_document('/settings.xml', telephony_patch(active=False))

        self.assertFinished(self.provision(self.server.url('/settings.xml')))

        user_agent = self.server.requests[0].user_agent
        self.assertIsNotNone(user_agent)
        self.assertIn('provisiond', user_agent)
        self.assertIn(run_case.project_version(), user_agent)
        self.assertIn(DEVICE_TYPE, user_agent)
        self.assertTrue(MAC_IN_URLS in user_agent.upper() or MAC in user_agent.upper(),
                        f'no MAC in User-Agent {user_agent!r}')

    def test_markers_in_the_url_option(self):
        path = f'/{MAC_IN_URLS}/{SERIAL}/{DEVICE_TYPE}.xml'
        self.server.add_document(path, telephony_patch(active=False))

        outcome = self.provision(self.server.url('/{mac}/{serial}/{type}.xml') + '?m=<MACADR>&s=<SERIAL>&t=<HWTYP>')

        self.assertFinished(outcome, sections_changed=1)
        self.assertEqual([f'{path}?m={MAC_IN_URLS}&s={SERIAL}&t={DEVICE_TYPE}'], self.server.targets())


class AuthenticationTest(RunTestCase):

    def setUp(self):
        super().setUp()
        self.body = telephony_patch(active=False)

    def assertNoBasicCredentialsSent(self):
        sent = [request.authorization for request in self.server.requests if request.authorization]
        self.assertEqual([], [value for value in sent if value.lower().startswith('basic')])

    def assertCredentialsNowhere(self, *secrets):
        """Not in any signal, property, GetStatus value, or the daemon's stderr."""
        self.recorder.sync()
        texts = signal_texts(self.recorder)
        texts += [repr(value) for value in self.daemon.status().values()]
        texts += [str(value) for value in self.daemon.get_all_properties_typed().values()]
        texts.append(self.daemon.log_text())
        for secret in secrets:
            self.assertEqual([], [text for text in texts if secret in text], f'{secret!r} leaked')

    def test_basic_over_http_is_refused(self):
        self.set_credentials(USERNAME, PASSWORD)
        self.server.add('/basic.xml', body=self.body, auth=Auth('basic', USERNAME, PASSWORD))

        self.assertRunFails(self.server.url('/basic.xml'), 'Authentication')

        self.assertIn('/basic.xml', self.server.paths())
        self.assertNoBasicCredentialsSent()
        self.assertCredentialsNowhere(USERNAME, PASSWORD)

    def test_basic_over_http_is_refused_with_url_userinfo(self):
        self.server.add('/basic.xml', body=self.body, auth=Auth('basic', USERNAME, PASSWORD))

        self.assertRunFails(self.server.url('/basic.xml', userinfo=f'{USERNAME}:{PASSWORD}'), 'Authentication')

        self.assertNoBasicCredentialsSent()
        self.assertCredentialsNowhere(PASSWORD)

    def test_digest_with_the_configured_credentials(self):
        self.set_credentials(USERNAME, PASSWORD)
        self.server.add('/digest.xml', body=self.body, auth=Auth('digest', USERNAME, PASSWORD))

        outcome = self.provision(self.server.url('/digest.xml'))

        self.assertFinished(outcome, sections_changed=1)
        answered = [request for request in self.server.requests if request.authorization]
        self.assertTrue(answered)
        self.assertEqual(USERNAME, httpd.parse_digest_authorization(answered[-1].authorization)['username'])
        self.assertEqual('false', settings_leaves(self.daemon)['telephony/callWaiting/active'])
        self.assertCredentialsNowhere(USERNAME, PASSWORD)

    def test_digest_with_url_userinfo_wins_over_the_configured_credentials(self):
        self.set_credentials('configured-user-z1', 'configured-pw-z2')
        self.server.add('/digest.xml', body=self.body, auth=Auth('digest', USERNAME, PASSWORD))
        url = self.server.url('/digest.xml', userinfo=f'{USERNAME}:{PASSWORD}')

        outcome = self.provision(url)

        self.assertFinished(outcome, sections_changed=1)
        self.assertEqual(self.server.url('/digest.xml'), self.daemon.status()['Url'])
        self.assertCredentialsNowhere(USERNAME, PASSWORD)

    def test_wrong_digest_credentials(self):
        self.set_credentials(USERNAME, 'not-the-password-k8')
        self.server.add('/digest.xml', body=self.body, auth=Auth('digest', USERNAME, PASSWORD))

        self.assertRunFails(self.server.url('/digest.xml'), 'Authentication')

        self.assertCredentialsNowhere('not-the-password-k8')

    def test_no_credentials_for_a_protected_file(self):
        self.server.add('/digest.xml', body=self.body, auth=Auth('digest', USERNAME, PASSWORD))
        self.assertRunFails(self.server.url('/digest.xml'), 'Authentication')


class TlsTestCase(RunTestCase):
    """self.https: a server with the 'server' certificate. ca names the
    certificate configured as [TLS] CAFile (None: none)."""

    ca = None
    server_certificate = 'server'

    def setUp(self):
        if self.ca is not None:
            self.tls = {'CAFile': CERTIFICATES[self.ca][0]}
        super().setUp()
        self.https = httpd.start_server(self, httpd.server_tls_context(*CERTIFICATES[self.server_certificate]))
        self.https.add_document('/settings.xml', telephony_patch(active=False))


class TlsWithoutCaFileTest(TlsTestCase):

    def test_self_signed_certificate_without_ca_file(self):
        outcome = self.assertRunFails(self.https.url('/settings.xml'), 'Certificate')
        self.assertEqual([], self.https.requests, 'a request was sent over an untrusted connection')
        self.assertIn(self.https.url('/settings.xml'), outcome.error_message)


class TlsWithCaFileTest(TlsTestCase):
    ca = 'server'

    def test_self_signed_certificate_with_ca_file(self):
        outcome = self.provision(self.https.url('/settings.xml'))
        self.assertFinished(outcome, sections_changed=1)

    def test_basic_over_https_is_answered(self):
        self.set_credentials(USERNAME, PASSWORD)
        self.https.add('/basic.xml', body=telephony_patch(tone=False), auth=Auth('basic', USERNAME, PASSWORD))

        outcome = self.provision(self.https.url('/basic.xml'))

        self.assertFinished(outcome, sections_changed=1)
        self.assertIn(httpd.basic_authorization(USERNAME, PASSWORD),
                      [request.authorization for request in self.https.requests])


class TlsCaFileIsTheOnlyTrustAnchorTest(TlsTestCase):
    ca = 'unrelated'

    def test_server_certificate_not_signed_by_the_ca_file(self):
        self.assertRunFails(self.https.url('/settings.xml'), 'Certificate')
        self.assertEqual([], self.https.requests)


class TlsCertificateForAnotherHostTest(TlsTestCase):
    ca = 'other-host'
    server_certificate = 'other-host'

    def test_certificate_for_another_address(self):
        self.assertRunFails(self.https.url('/settings.xml'), 'Certificate')
        self.assertEqual([], self.https.requests)

    def test_certificate_error_names_the_reason(self):
        # The same trust anchor, two different faults: the wrong address
        # here, an unknown authority on a server with the 'server' certificate.
        unknown_authority = httpd.start_server(self, httpd.server_tls_context(*CERTIFICATES['server']))
        wrong_host_url = self.https.url('/settings.xml')
        unknown_authority_url = unknown_authority.url('/settings.xml')

        wrong_host = self.assertRunFails(wrong_host_url, 'Certificate').error_message
        untrusted = self.assertRunFails(unknown_authority_url, 'Certificate').error_message

        self.assertNotEqual(wrong_host.replace(wrong_host_url, 'URL'), untrusted.replace(unknown_authority_url, 'URL'))


if __name__ == '__main__':
    harness.main()
