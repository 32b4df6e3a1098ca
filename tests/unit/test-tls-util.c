/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "test-tls-util.h"

SoupServer *test_server_new(const char *certificate_name) {
        SoupServer *server = soup_server_new(NULL, NULL);
        g_autofree char *certificate_file = NULL;
        g_autofree char *key_file = NULL;
        g_autoptr(GTlsCertificate) certificate = NULL;
        g_autoptr(GError) error = NULL;

        if (certificate_name == NULL)
                return server;
        certificate_file = g_strdup_printf("%s/%s.pem", TEST_TLS_DIR, certificate_name);
        key_file = g_strdup_printf("%s/%s.key", TEST_TLS_DIR, certificate_name);
        certificate = g_tls_certificate_new_from_files(certificate_file, key_file, &error);
        g_assert_no_error(error);
        soup_server_set_tls_certificate(server, certificate);
        return server;
}

void test_server_listen(SoupServer *server) {
        SoupServerListenOptions options = SOUP_SERVER_LISTEN_IPV4_ONLY;
        g_autoptr(GError) error = NULL;

        if (soup_server_is_https(server))
                options |= SOUP_SERVER_LISTEN_HTTPS;
        soup_server_listen_local(server, 0, options, &error);
        g_assert_no_error(error);
}
