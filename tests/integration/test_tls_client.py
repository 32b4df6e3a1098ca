# SPDX-License-Identifier: LGPL-2.1-or-later
"""The device's TLS client certificate ([TLS] ClientCertificate, ClientKey) on a
provisioning run over the real bus: an https provisioning server that requires
a client certificate signed by a second test CA (tests/data/tls/client-ca.pem)
gets the configured one, and the run applies what it serves; without one, or
with one the server does not accept, the run fails with Certificate naming
why, and the stored settings stay byte-identical."""

import ssl

import harness
import httpd
from run_case import MAC_IN_URLS, RunTestCase, telephony_patch

TLS_DIR = harness.source_path('tests', 'data', 'tls')
CLIENT_CERTIFICATE = {'ClientCertificate': f'{TLS_DIR}/client.pem', 'ClientKey': f'{TLS_DIR}/client.key'}


def demanding_context(tls_version=None):
    """The test CA's server certificate; client certificates must come from the client CA."""
    return httpd.fixture_tls_context(TLS_DIR, 'client-ca.pem', tls_version)


class ClientCertificateTest(RunTestCase):
    tls = {'CAFile': f'{TLS_DIR}/ca.pem', **CLIENT_CERTIFICATE}

    def setUp(self):
        super().setUp()
        self.body = telephony_patch(active=False)

    def test_client_certificate_is_presented_to_the_provisioning_server(self):
        for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
            with self.subTest(version=version):
                demanding = httpd.start_server(self, demanding_context(version))
                demanding.add_document(f'/prov/{MAC_IN_URLS}.xml', self.body)

                outcome = self.provision(demanding.url('/prov/{mac}.xml'))

                self.assertFinished(outcome)
                self.assertEqual([f'/prov/{MAC_IN_URLS}.xml'], demanding.paths())
                self.assertEqual([], demanding.tls_failures)
                self.assertEqual('false', harness.leaves(self.stored_sections()['telephony'])
                                 ['telephony/callWaiting/active'])

    def test_conditional_request_presents_the_client_certificate_too(self):
        demanding = httpd.start_server(self, demanding_context())
        demanding.add_document('/settings.xml', self.body, etag='"v1"')
        self.assertFinished(self.provision(demanding.url('/settings.xml')))

        second = self.provision(demanding.url('/settings.xml'))

        self.assertFinished(second, sections_changed=0)
        requests = demanding.requests_for('/settings.xml')
        self.assertEqual([None, '"v1"'], [request.header('If-None-Match') for request in requests])
        self.assertEqual([], demanding.tls_failures)
        (runs,) = harness.call(self.daemon.connection, 'ListRuns', None, '(a(ta{sv}))')
        self.assertEqual((1, 304, 0), (runs[-1][1]['NotModified'], runs[-1][1]['HttpStatus'], runs[-1][1]['Bytes']))

    def test_certificate_of_another_ca_is_not_accepted(self):
        self.restart_with({'CAFile': f'{TLS_DIR}/ca.pem',
                                    'ClientCertificate': f'{TLS_DIR}/other-server.pem',
                                    'ClientKey': f'{TLS_DIR}/other-server.key'})
        demanding = httpd.start_server(self, demanding_context())
        demanding.add_document('/settings.xml', self.body)

        outcome = self.assertRunFails(demanding.url('/settings.xml'), 'Certificate')

        self.assertIn('did not accept the TLS client certificate', outcome.error_message)
        self.assertIn('other-server.pem', outcome.error_message)
        self.assertEqual([], demanding.paths())

    def test_without_a_client_certificate_the_run_fails(self):
        self.restart_with({'CAFile': f'{TLS_DIR}/ca.pem'})
        demanding = httpd.start_server(self, demanding_context())
        demanding.add_document('/settings.xml', self.body)

        outcome = self.assertRunFails(demanding.url('/settings.xml'), 'Certificate')

        self.assertIn('requires a TLS client certificate, and provisiond has none to offer',
                      outcome.error_message)
        self.assertEqual([], demanding.paths())

    def test_certificate_without_a_key_fails_the_run(self):
        self.restart_with({'CAFile': f'{TLS_DIR}/ca.pem', 'ClientCertificate': f'{TLS_DIR}/client.pem'})
        demanding = httpd.start_server(self, demanding_context())
        demanding.add_document('/settings.xml', self.body)

        outcome = self.assertRunFails(demanding.url('/settings.xml'), 'Certificate')

        self.assertIn('holds no private key', outcome.error_message)
        self.assertEqual(0, demanding.connections)

    def test_server_that_does_not_ask_is_fine(self):
        plain_tls = httpd.start_server(self, httpd.server_tls_context(f'{TLS_DIR}/server.pem',
                                                                       f'{TLS_DIR}/server.key'))
        plain_tls.add_document('/settings.xml', self.body)

        self.assertFinished(self.provision(plain_tls.url('/settings.xml')))

    # -- helpers --

    def restart_with(self, tls):
        self.daemon.stop()
        self.daemon = self.start_daemon(tls=tls)
        return self.daemon


if __name__ == '__main__':
    harness.main()
