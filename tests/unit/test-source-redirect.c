/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The redirect service source against real HTTPS servers on 127.0.0.1 in
 * this process (SoupServer with the test CAs of tests/data/tls): one that
 * answers by path, one with a certificate of a CA nothing trusts, one that
 * requires a client certificate signed by the client CA.
 */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>
#include <unistd.h>

#include "source-redirect.h"
#include "test-tls-util.h"
#include "worker-threads.h"

#define USER_AGENT "provisiond/0.1.0 (D200; MAC 00095200000E; SN SN123)"
#define PROVISIONING_URL "https://prov.example.com/phones/00095200000E.xml"
#define HUGE_BODY_BYTES (1024 * 1024)
#define DRIP_INTERVAL_MS 200
#define DRIP_BYTES 200 /* 40 s of dripping: far beyond the 1 s the tests allow */

typedef struct {
        SoupServer *secure;    /* the test CA's certificate; answers by path */
        SoupServer *plain;     /* http, for redirects to plain http */
        SoupServer *other;     /* a certificate of a CA nothing trusts */
        SoupServer *demanding; /* requires a client certificate of the client CA */
        DeviceIdentity *device;
        GPtrArray *paths;     /* every path the servers were asked for */
        char *accept;         /* the last request's Accept */
        char *user_agent;     /* the last request's User-Agent */
        char *client_subject; /* the demanding server's last peer certificate, as PEM; NULL: none */
} Fixture;

/* ---- The servers ---------------------------------------------------------- */

static void answer(SoupServerMessage *message, guint status, const char *content_type, const char *body,
                   gsize length) {
        soup_server_message_set_status(message, status, NULL);
        if (content_type != NULL)
                soup_server_message_set_response(message, content_type, SOUP_MEMORY_COPY, body, length);
}

static void answer_text(SoupServerMessage *message, const char *content_type, const char *body) {
        answer(message, SOUP_STATUS_OK, content_type, body, strlen(body));
}

static void record(Fixture *fixture, SoupServerMessage *message, const char *path) {
        SoupMessageHeaders *headers = soup_server_message_get_request_headers(message);

        g_ptr_array_add(fixture->paths, g_strdup(path));
        g_free(fixture->accept);
        fixture->accept = g_strdup(soup_message_headers_get_one(headers, "Accept"));
        g_free(fixture->user_agent);
        fixture->user_agent = g_strdup(soup_message_headers_get_one(headers, "User-Agent"));
}

/* A body that never ends in time: one byte every DRIP_INTERVAL_MS, until the
 * client goes away. The drip belongs to the message; the timer stops when the
 * connection ends, before libsoup lets go of the message's I/O. */
typedef struct {
        SoupServerMessage *message; /* not a reference: the message owns the drip */
        guint timer;
        guint left;
} Drip;

static void drip_stop(Drip *drip) {
        if (drip->timer != 0)
                g_source_remove(drip->timer);
        drip->timer = 0;
}

static void drip_free(gpointer data) {
        drip_stop(data);
        g_free(data);
}

static void on_drip_ended(SoupServerMessage *message, gpointer user_data) {
        drip_stop(user_data);
}

static gboolean drip_next(gpointer user_data) {
        Drip *drip = user_data;
        SoupMessageBody *body = soup_server_message_get_response_body(drip->message);

        if (drip->left == 0) {
                drip->timer = 0;
                soup_message_body_complete(body);
                soup_server_message_unpause(drip->message);
                return G_SOURCE_REMOVE;
        }
        drip->left--;
        soup_message_body_append(body, SOUP_MEMORY_STATIC, "h", 1);
        soup_server_message_unpause(drip->message);
        return G_SOURCE_CONTINUE;
}

static void answer_drip(SoupServerMessage *message) {
        SoupMessageHeaders *headers = soup_server_message_get_response_headers(message);
        Drip *drip = g_new0(Drip, 1);

        drip->message = message;
        drip->left = DRIP_BYTES;
        g_object_set_data_full(G_OBJECT(message), "drip", drip, drip_free);
        soup_server_message_set_status(message, SOUP_STATUS_OK, NULL);
        soup_message_headers_set_content_type(headers, "text/plain", NULL);
        soup_message_headers_set_encoding(headers, SOUP_ENCODING_CHUNKED);
        g_signal_connect(message, "finished", G_CALLBACK(on_drip_ended), drip);
        g_signal_connect(message, "disconnected", G_CALLBACK(on_drip_ended), drip);
        drip->timer = g_timeout_add(DRIP_INTERVAL_MS, drip_next, drip);
        soup_server_message_pause(message);
}

static char *server_url(SoupServer *server, const char *path) {
        GSList *uris = soup_server_get_uris(server);
        GUri *uri = uris->data;
        char *url = g_strdup_printf("%s://127.0.0.1:%d%s", g_uri_get_scheme(uri), g_uri_get_port(uri), path);

        g_slist_free_full(uris, (GDestroyNotify) g_uri_unref);
        return url;
}

/* A URL of HUGE_BODY_BYTES, announced in Content-Length or sent chunked without a length. */
static void answer_huge(SoupServerMessage *message, gboolean chunked) {
        SoupMessageHeaders *headers = soup_server_message_get_response_headers(message);
        SoupMessageBody *body = soup_server_message_get_response_body(message);
        char *data = g_malloc(HUGE_BODY_BYTES);

        memset(data, 'h', HUGE_BODY_BYTES);
        memcpy(data, "https://", strlen("https://"));
        soup_server_message_set_status(message, SOUP_STATUS_OK, NULL);
        soup_message_headers_set_content_type(headers, "text/plain", NULL);
        if (chunked)
                soup_message_headers_set_encoding(headers, SOUP_ENCODING_CHUNKED);
        soup_message_body_append(body, SOUP_MEMORY_TAKE, data, HUGE_BODY_BYTES);
        soup_message_body_complete(body);
}

/* The first path segment says how to answer; the rest is what the markers became. */
static void handle_by_path(SoupServer *server, SoupServerMessage *message, const char *path,
                           GHashTable *query, gpointer user_data) {
        Fixture *fixture = user_data;
        g_autofree char *to_plain = server_url(fixture->plain, "/text/x");
        static const char xml[] = "<?xml version=\"1.0\"?>\n<redirect>\n  <url> " PROVISIONING_URL
                                  " </url>\n</redirect>\n";
        static const char nul[] = PROVISIONING_URL "\0tail";

        record(fixture, message, path);
        if (g_str_has_prefix(path, "/text/") || g_str_has_prefix(path, "/v1/"))
                answer_text(message, "text/plain; charset=utf-8",
                            PROVISIONING_URL "\r\nignored second line\n");
        else if (g_str_has_prefix(path, "/xml/"))
                answer_text(message, "application/xml", xml);
        else if (g_str_has_prefix(path, "/xml-root/"))
                answer_text(message, "application/xml",
                            "<provisioning><url>" PROVISIONING_URL "</url></provisioning>");
        else if (g_str_has_prefix(path, "/xml-entity/"))
                answer_text(
                        message, "application/xml",
                        "<!DOCTYPE r [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><redirect><url>&e;</url></redirect>");
        else if (g_str_has_prefix(path, "/404/"))
                answer(message, SOUP_STATUS_NOT_FOUND, "text/plain", "unknown device", 14);
        else if (g_str_has_prefix(path, "/204/"))
                answer(message, SOUP_STATUS_NO_CONTENT, NULL, NULL, 0);
        else if (g_str_has_prefix(path, "/500/"))
                answer(message, SOUP_STATUS_INTERNAL_SERVER_ERROR, "text/plain", "oops", 4);
        else if (g_str_has_prefix(path, "/ftp/"))
                answer_text(message, "text/plain", "ftp://prov.example.com/phone.xml");
        else if (g_str_has_prefix(path, "/relative/"))
                answer_text(message, "text/plain", "/phones/00095200000E.xml");
        else if (g_str_has_prefix(path, "/empty/"))
                answer_text(message, "text/plain", " \r\n");
        else if (g_str_has_prefix(path, "/html/"))
                answer_text(message, "text/html", "<html>" PROVISIONING_URL "</html>");
        else if (g_str_has_prefix(path, "/no-type/"))
                answer(message, SOUP_STATUS_OK, NULL, NULL, 0);
        else if (g_str_has_prefix(path, "/nul/"))
                answer(message, SOUP_STATUS_OK, "text/plain", nul, sizeof(nul) - 1);
        else if (g_str_has_prefix(path, "/control/"))
                answer_text(message, "text/plain", "https://prov.example.com/\x1b[2J.xml");
        else if (g_str_has_prefix(path, "/huge/"))
                answer_huge(message, FALSE);
        else if (g_str_has_prefix(path, "/huge-chunked/"))
                answer_huge(message, TRUE);
        else if (g_str_has_prefix(path, "/drip/"))
                answer_drip(message);
        else if (g_str_has_prefix(path, "/loop/"))
                soup_server_message_set_redirect(message, SOUP_STATUS_FOUND, path);
        else if (g_str_has_prefix(path, "/moved/"))
                soup_server_message_set_redirect(message, SOUP_STATUS_MOVED_PERMANENTLY, "/text/moved");
        else if (g_str_has_prefix(path, "/to-plain/"))
                soup_server_message_set_redirect(message, SOUP_STATUS_FOUND, to_plain);
        else
                answer(message, SOUP_STATUS_BAD_REQUEST, "text/plain", "?", 1);
}

static void handle_demanding(SoupServer *server, SoupServerMessage *message, const char *path,
                             GHashTable *query, gpointer user_data) {
        Fixture *fixture = user_data;
        GTlsCertificate *peer = soup_server_message_get_tls_peer_certificate(message);

        record(fixture, message, path);
        g_clear_pointer(&fixture->client_subject, g_free);
        if (peer != NULL)
                fixture->client_subject = g_tls_certificate_get_subject_name(peer);
        answer_text(message, "text/plain", PROVISIONING_URL);
}

static SoupServer *server_start(Fixture *fixture, const char *name, gboolean secure,
                                SoupServerCallback handler) {
        g_autoptr(SoupServer) server = test_server_new(secure ? name : NULL);

        soup_server_add_handler(server, NULL, handler, fixture, NULL);
        test_server_listen(server);
        return g_steal_pointer(&server);
}

/* libsoup's server asks about every client certificate, valid or not; accept what the client CA verified. */
static gboolean accept_verified_client(SoupServerMessage *message, GTlsCertificate *certificate,
                                       GTlsCertificateFlags errors, gpointer user_data) {
        return errors == 0;
}

static void on_request_started(SoupServer *server, SoupServerMessage *message, gpointer user_data) {
        g_signal_connect(message, "accept-certificate", G_CALLBACK(accept_verified_client), NULL);
}

static SoupServer *demanding_server_start(Fixture *fixture) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GTlsDatabase) client_ca = g_tls_file_database_new(TEST_TLS_DIR "/client-ca.pem", &error);
        SoupServer *server;

        g_assert_no_error(error);
        server = server_start(fixture, "server", TRUE, handle_demanding);
        soup_server_set_tls_database(server, client_ca);
        soup_server_set_tls_auth_mode(server, G_TLS_AUTHENTICATION_REQUIRED);
        g_signal_connect(server, "request-started", G_CALLBACK(on_request_started), NULL);
        return server;
}

static void fixture_set_up(Fixture *fixture, gconstpointer data) {
        g_autoptr(GError) error = NULL;

        fixture->paths = g_ptr_array_new_with_free_func(g_free);
        fixture->secure = server_start(fixture, "server", TRUE, handle_by_path);
        fixture->plain = server_start(fixture, NULL, FALSE, handle_by_path);
        fixture->other = server_start(fixture, "other-server", TRUE, handle_by_path);
        fixture->demanding = demanding_server_start(fixture);
        fixture->device = device_identity_load("00:09:52:00:00:0e", "SN123", "D200", NULL, NULL, &error);
        g_assert_no_error(error);
}

static void fixture_tear_down(Fixture *fixture, gconstpointer data) {
        g_clear_object(&fixture->secure);
        g_clear_object(&fixture->plain);
        g_clear_object(&fixture->other);
        g_clear_object(&fixture->demanding);
        g_clear_pointer(&fixture->device, device_identity_free);
        g_clear_pointer(&fixture->paths, g_ptr_array_unref);
        g_clear_pointer(&fixture->accept, g_free);
        g_clear_pointer(&fixture->user_agent, g_free);
        g_clear_pointer(&fixture->client_subject, g_free);
}

/* ---- Asking ----------------------------------------------------------------- */

/* The test CA pinned as [Redirect] CAFile, small limits. */
static RedirectConfig default_config(const char *url_template) {
        return (RedirectConfig){
                .url_template = url_template,
                .ca_file = TEST_TLS_DIR "/ca.pem",
                .ca_file_setting = "[Redirect] CAFile",
                .connect_timeout_seconds = 2,
                .timeout_seconds = 2,
                .max_redirects = 3,
        };
}

typedef struct {
        GMainLoop *loop;
        char *url;
        char *service;
        GError *error;
        gboolean done;
} FindResult;

static void on_found(GObject *source, GAsyncResult *result, gpointer user_data) {
        FindResult *find = user_data;

        find->url = redirect_source_find_finish(result, &find->service, &find->error);
        find->done = TRUE;
        g_main_loop_quit(find->loop);
}

static gboolean on_find_hangs(gpointer user_data) {
        g_error("the redirect lookup did not finish within 20 s");
        return G_SOURCE_REMOVE;
}

static char *find_with(Fixture *fixture, const RedirectConfig *config, GCancellable *cancellable,
                       char **service, GError **error) {
        g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
        FindResult find = { .loop = loop };
        guint guard;

        redirect_source_find_async(config, fixture->device, USER_AGENT, cancellable, on_found, &find);
        guard = g_timeout_add_seconds(20, on_find_hangs, NULL);
        if (!find.done)
                g_main_loop_run(loop);
        g_source_remove(guard);
        g_assert_true((find.url != NULL) != (find.error != NULL));
        if (service != NULL)
                *service = g_steal_pointer(&find.service);
        g_free(find.service);
        if (find.error != NULL)
                g_propagate_error(error, find.error);
        return find.url;
}

/* The URL the source found for @config; the test fails on any error. */
static char *find_url(Fixture *fixture, const RedirectConfig *config) {
        g_autoptr(GError) error = NULL;
        char *url = find_with(fixture, config, NULL, NULL, &error);

        g_assert_no_error(error);
        return url;
}

/* Why the source found nothing for @config; the test fails if it found a URL. */
static GError *find_failure(Fixture *fixture, const RedirectConfig *config) {
        GError *error = NULL;
        g_autofree char *url = find_with(fixture, config, NULL, NULL, &error);

        g_assert_null(url);
        g_assert_nonnull(error);
        g_assert_true(g_str_has_prefix(error->message, "redirect service: "));
        return error;
}

static void assert_contains(const char *text, const char *part) {
        if (strstr(text, part) == NULL)
                g_error("\"%s\" does not contain \"%s\"", text, part);
}

static GError *failure_at(Fixture *fixture, SoupServer *server, const char *path) {
        g_autofree char *template = server_url(server, path);
        RedirectConfig config = default_config(template);

        return find_failure(fixture, &config);
}

static char *url_at(Fixture *fixture, SoupServer *server, const char *path) {
        g_autofree char *template = server_url(server, path);
        RedirectConfig config = default_config(template);

        return find_url(fixture, &config);
}

/* ---- Answers ---------------------------------------------------------------- */

static void test_text_answer_gives_its_first_line(Fixture *fixture, gconstpointer data) {
        g_autofree char *url = url_at(fixture, fixture->secure, "/text/{mac}");

        g_assert_cmpstr(url, ==, PROVISIONING_URL);
}

static void test_request_names_the_device(Fixture *fixture, gconstpointer data) {
        g_autofree char *template = server_url(fixture->secure, "/v1/{mac}/<HWTYP>/{serial}/<MACADR>");
        RedirectConfig config = default_config(template);
        g_autofree char *url = find_url(fixture, &config);

        g_assert_cmpuint(fixture->paths->len, ==, 1);
        g_assert_cmpstr(g_ptr_array_index(fixture->paths, 0), ==, "/v1/00095200000E/D200/SN123/00095200000E");
        g_assert_cmpstr(fixture->accept, ==, "text/plain, application/xml");
        g_assert_cmpstr(fixture->user_agent, ==, USER_AGENT);
}

static void test_service_url_is_reported(Fixture *fixture, gconstpointer data) {
        g_autofree char *template = server_url(fixture->secure, "/text/{mac}");
        g_autofree char *expected = server_url(fixture->secure, "/text/00095200000E");
        RedirectConfig config = default_config(template);
        g_autoptr(GError) error = NULL;
        g_autofree char *service = NULL;
        g_autofree char *url = find_with(fixture, &config, NULL, &service, &error);

        g_assert_no_error(error);
        g_assert_cmpstr(service, ==, expected);
}

static void test_xml_answer_gives_its_url(Fixture *fixture, gconstpointer data) {
        g_autofree char *url = url_at(fixture, fixture->secure, "/xml/{mac}");

        g_assert_cmpstr(url, ==, PROVISIONING_URL);
}

static void test_xml_answer_with_another_root_is_bad(Fixture *fixture, gconstpointer data) {
        g_autoptr(GError) error = failure_at(fixture, fixture->secure, "/xml-root/{mac}");

        g_assert_error(error, REDIRECT_SOURCE_ERROR, REDIRECT_SOURCE_ERROR_BAD_ANSWER);
        assert_contains(error->message, "<provisioning>, not <redirect>");
}

static void test_xml_answer_with_a_doctype_is_refused(Fixture *fixture, gconstpointer data) {
        g_autoptr(GError) error = failure_at(fixture, fixture->secure, "/xml-entity/{mac}");

        g_assert_error(error, REDIRECT_SOURCE_ERROR, REDIRECT_SOURCE_ERROR_BAD_ANSWER);
        g_assert_null(strstr(error->message, "root:"));
}

static void test_404_is_not_registered(Fixture *fixture, gconstpointer data) {
        g_autoptr(GError) error = failure_at(fixture, fixture->secure, "/404/{mac}");
        g_autofree char *service = server_url(fixture->secure, "/404/00095200000E");

        g_assert_error(error, REDIRECT_SOURCE_ERROR, REDIRECT_SOURCE_ERROR_NOT_REGISTERED);
        assert_contains(error->message, service);
        assert_contains(error->message, "not registered (HTTP 404 Not Found)");
}

static void test_204_is_not_registered(Fixture *fixture, gconstpointer data) {
        g_autoptr(GError) error = failure_at(fixture, fixture->secure, "/204/{mac}");

        g_assert_error(error, REDIRECT_SOURCE_ERROR, REDIRECT_SOURCE_ERROR_NOT_REGISTERED);
        assert_contains(error->message, "HTTP 204");
}

static void test_500_is_unavailable_with_its_status(Fixture *fixture, gconstpointer data) {
        g_autoptr(GError) error = failure_at(fixture, fixture->secure, "/500/{mac}");

        g_assert_error(error, REDIRECT_SOURCE_ERROR, REDIRECT_SOURCE_ERROR_UNAVAILABLE);
        assert_contains(error->message, "HTTP 500 Internal Server Error");
}

static void test_non_http_url_is_refused(Fixture *fixture, gconstpointer data) {
        g_autoptr(GError) error = failure_at(fixture, fixture->secure, "/ftp/{mac}");

        g_assert_error(error, REDIRECT_SOURCE_ERROR, REDIRECT_SOURCE_ERROR_BAD_ANSWER);
        assert_contains(error->message, "ftp://prov.example.com/phone.xml");
        assert_contains(error->message, "only http and https");
}

static void test_relative_url_is_refused(Fixture *fixture, gconstpointer data) {
        g_autoptr(GError) error = failure_at(fixture, fixture->secure, "/relative/{mac}");

        g_assert_error(error, REDIRECT_SOURCE_ERROR, REDIRECT_SOURCE_ERROR_BAD_ANSWER);
        assert_contains(error->message, "no provisioning URL");
}

static void test_empty_answer_is_bad(Fixture *fixture, gconstpointer data) {
        g_autoptr(GError) error = failure_at(fixture, fixture->secure, "/empty/{mac}");

        g_assert_error(error, REDIRECT_SOURCE_ERROR, REDIRECT_SOURCE_ERROR_BAD_ANSWER);
        assert_contains(error->message, "no URL");
}

static void test_other_content_type_is_bad(Fixture *fixture, gconstpointer data) {
        g_autoptr(GError) html = failure_at(fixture, fixture->secure, "/html/{mac}");
        g_autoptr(GError) none = failure_at(fixture, fixture->secure, "/no-type/{mac}");

        g_assert_error(html, REDIRECT_SOURCE_ERROR, REDIRECT_SOURCE_ERROR_BAD_ANSWER);
        assert_contains(html->message, "Content-Type text/html");
        g_assert_error(none, REDIRECT_SOURCE_ERROR, REDIRECT_SOURCE_ERROR_BAD_ANSWER);
        assert_contains(none->message, "Content-Type (none)");
}

static void test_nul_byte_is_bad(Fixture *fixture, gconstpointer data) {
        g_autoptr(GError) error = failure_at(fixture, fixture->secure, "/nul/{mac}");

        g_assert_error(error, REDIRECT_SOURCE_ERROR, REDIRECT_SOURCE_ERROR_BAD_ANSWER);
        assert_contains(error->message, "NUL");
}

static void test_control_character_is_bad(Fixture *fixture, gconstpointer data) {
        g_autoptr(GError) error = failure_at(fixture, fixture->secure, "/control/{mac}");

        g_assert_error(error, REDIRECT_SOURCE_ERROR, REDIRECT_SOURCE_ERROR_BAD_ANSWER);
        assert_contains(error->message, "byte 0x1b at 25");
}

static void test_huge_answer_is_refused_by_its_length(Fixture *fixture, gconstpointer data) {
        g_autoptr(GError) error = failure_at(fixture, fixture->secure, "/huge/{mac}");

        g_assert_error(error, REDIRECT_SOURCE_ERROR, REDIRECT_SOURCE_ERROR_BAD_ANSWER);
        assert_contains(error->message, "announces more than 8192 bytes");
}

static void test_huge_answer_without_length_is_cut(Fixture *fixture, gconstpointer data) {
        g_autoptr(GError) error = failure_at(fixture, fixture->secure, "/huge-chunked/{mac}");

        g_assert_error(error, REDIRECT_SOURCE_ERROR, REDIRECT_SOURCE_ERROR_BAD_ANSWER);
        assert_contains(error->message, "is larger than 8192 bytes");
}

static void test_slow_drip_times_out(Fixture *fixture, gconstpointer data) {
        g_autofree char *template = server_url(fixture->secure, "/drip/{mac}");
        RedirectConfig config = default_config(template);
        g_autoptr(GError) error = NULL;

        config.timeout_seconds = 1;
        error = find_failure(fixture, &config);
        g_assert_error(error, REDIRECT_SOURCE_ERROR, REDIRECT_SOURCE_ERROR_TIMEOUT);
        assert_contains(error->message, "did not arrive within 1 s");
}

static void test_redirect_loop_is_bad(Fixture *fixture, gconstpointer data) {
        g_autoptr(GError) error = failure_at(fixture, fixture->secure, "/loop/{mac}");

        g_assert_error(error, REDIRECT_SOURCE_ERROR, REDIRECT_SOURCE_ERROR_BAD_ANSWER);
        assert_contains(error->message, "redirect loop");
}

static void test_redirect_within_https_is_followed(Fixture *fixture, gconstpointer data) {
        g_autofree char *url = url_at(fixture, fixture->secure, "/moved/{mac}");

        g_assert_cmpstr(url, ==, PROVISIONING_URL);
        g_assert_cmpuint(fixture->paths->len, ==, 2);
}

static void test_redirect_to_plain_http_is_refused(Fixture *fixture, gconstpointer data) {
        g_autoptr(GError) error = failure_at(fixture, fixture->secure, "/to-plain/{mac}");

        g_assert_error(error, REDIRECT_SOURCE_ERROR, REDIRECT_SOURCE_ERROR_BAD_ANSWER);
        assert_contains(error->message, "only https is allowed");
        /* The plain server was never asked. */
        g_assert_cmpuint(fixture->paths->len, ==, 1);
}

static void test_connection_refused_is_unavailable(Fixture *fixture, gconstpointer data) {
        g_autoptr(GSocket) holder = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                                 G_SOCKET_PROTOCOL_TCP, NULL);
        g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
        g_autoptr(GSocketAddress) address = g_inet_socket_address_new(loopback, 0);
        g_autoptr(GSocketAddress) bound = NULL;
        g_autofree char *template = NULL;
        g_autoptr(GError) error = NULL;
        RedirectConfig config;

        /* Bound, not listening: connections are refused, and no other process can take the port. */
        g_assert_true(g_socket_bind(holder, address, FALSE, NULL));
        bound = g_socket_get_local_address(holder, NULL);
        template = g_strdup_printf("https://127.0.0.1:%u/v1/{mac}",
                                   g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound)));
        config = default_config(template);
        error = find_failure(fixture, &config);
        g_assert_error(error, REDIRECT_SOURCE_ERROR, REDIRECT_SOURCE_ERROR_UNAVAILABLE);
        assert_contains(error->message, "cannot fetch https://127.0.0.1:");
}

/* ---- The answer, byte by byte ------------------------------------------------ */

typedef struct {
        const char *content_type;
        const char *body;
        const char *url;    /* NULL: refused */
        const char *reason; /* a part of the message when refused */
} AnswerCase;

static const AnswerCase answer_cases[] = {
        { "text/plain", "https://p.example/a.xml", "https://p.example/a.xml", NULL },
        { "text/plain", "  https://p.example/a.xml \r\n", "https://p.example/a.xml", NULL },
        { "text/plain", "\xEF\xBB\xBFhttps://p.example/a.xml\n", "https://p.example/a.xml", NULL },
        { "text/plain", "http://p.example/{mac}.xml\nsecond line\n\x01", "http://p.example/{mac}.xml", NULL },
        { "text/plain", "https://user:pw@p.example/a.xml", "https://user:pw@p.example/a.xml", NULL },
        { "application/xml", "<redirect><url>https://p.example/a.xml</url></redirect>",
          "https://p.example/a.xml", NULL },
        { "text/xml",
          "<redirect version=\"1\"><note>x</note><url>\n https://p.example/a.xml\n</url></redirect>",
          "https://p.example/a.xml", NULL },
        { "application/xml",
          "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><redirect><url>https://p.example/a.xml</url></redirect>",
          "https://p.example/a.xml", NULL },
        { "text/plain", "", NULL, "holds no URL" },
        { "text/plain", "\n https://p.example/a.xml", NULL, "holds no URL" },
        { "text/plain", "tftp://p.example/a.xml", NULL, "only http and https" },
        /* Mapped to a URI as every URL that enters (RFC 3987 section 3.1). */
        { "text/plain", "https://p.example/\xC3\xA4.xml", "https://p.example/%C3%A4.xml", NULL },
        { "text/plain", " https://p.example/a b.xml", "https://p.example/a%20b.xml", NULL },
        { "text/plain", "https://p.example/a%20b.xml", "https://p.example/a%20b.xml", NULL },
        { "text/plain", "https://p.example/a\r.xml\n", NULL, "byte 0x0d at 19" },
        { "application/xml", "<redirect><url>https://p.example/a\n.xml</url></redirect>", NULL,
          "byte 0x0a at 19" },
        { "text/plain", "https:///a.xml", NULL, "no provisioning URL" },
        { "application/xml", "<redirect/>", NULL, "no <url> in <redirect>" },
        { "application/xml", "<redirect><url/></redirect>", NULL, "holds no URL" },
        { "application/xml", "<redirect><url>https://p.example/a.xml", NULL, "the XML answer" },
        { "application/xml", "https://p.example/a.xml", NULL, "the XML answer" },
        { "application/json", "{\"url\": \"https://p.example/a.xml\"}", NULL, "Content-Type application/json" },
        { NULL, "https://p.example/a.xml", NULL, "Content-Type (none)" },
};

static void test_answers_are_read_as_documented(void) {
        for (gsize i = 0; i < G_N_ELEMENTS(answer_cases); i++) {
                const AnswerCase *answer_case = &answer_cases[i];
                g_autoptr(GError) error = NULL;
                g_autofree char *url = redirect_source_read_answer(
                        answer_case->content_type, answer_case->body, strlen(answer_case->body), &error);

                g_test_message("case %" G_GSIZE_FORMAT ": %s", i, answer_case->body);
                g_assert_cmpstr(url, ==, answer_case->url);
                if (answer_case->url == NULL) {
                        g_assert_error(error, REDIRECT_SOURCE_ERROR, REDIRECT_SOURCE_ERROR_BAD_ANSWER);
                        assert_contains(error->message, answer_case->reason);
                } else
                        g_assert_no_error(error);
        }
}

static void test_empty_body_without_data_is_read(void) {
        g_autoptr(GError) error = NULL;
        g_autofree char *url = redirect_source_read_answer("text/plain", NULL, 0, &error);

        g_assert_null(url);
        g_assert_error(error, REDIRECT_SOURCE_ERROR, REDIRECT_SOURCE_ERROR_BAD_ANSWER);
}

/* ---- Configuration ---------------------------------------------------------- */

static void test_no_template_is_not_configured(Fixture *fixture, gconstpointer data) {
        const char *templates[] = { NULL, "", " \t " };

        for (gsize i = 0; i < G_N_ELEMENTS(templates); i++) {
                RedirectConfig config = default_config(templates[i]);
                g_autoptr(GError) error = find_failure(fixture, &config);

                g_assert_error(error, REDIRECT_SOURCE_ERROR, REDIRECT_SOURCE_ERROR_NOT_CONFIGURED);
                assert_contains(error->message, "no redirect service configured");
        }
        g_assert_cmpuint(fixture->paths->len, ==, 0);
}

static void test_http_template_is_refused(Fixture *fixture, gconstpointer data) {
        g_autoptr(GError) error = failure_at(fixture, fixture->plain, "/text/{mac}");

        g_assert_error(error, REDIRECT_SOURCE_ERROR, REDIRECT_SOURCE_ERROR_CONFIG);
        assert_contains(error->message, "is not https");
        g_assert_cmpuint(fixture->paths->len, ==, 0);
}

static void test_template_that_is_no_url_is_refused(Fixture *fixture, gconstpointer data) {
        RedirectConfig config = default_config("redirect.example/{mac}");
        g_autoptr(GError) error = find_failure(fixture, &config);

        g_assert_error(error, REDIRECT_SOURCE_ERROR, REDIRECT_SOURCE_ERROR_CONFIG);
        assert_contains(error->message, "[Redirect] Url");
}

static void test_template_credentials_are_not_reported(Fixture *fixture, gconstpointer data) {
        g_autofree char *plain = server_url(fixture->secure, "/404/{mac}");
        g_autofree char *template = g_strdup_printf("https://user:s3cret@%s", plain + strlen("https://"));
        RedirectConfig config = default_config(template);
        g_autoptr(GError) error = NULL;
        g_autofree char *service = NULL;
        g_autofree char *url = find_with(fixture, &config, NULL, &service, &error);

        g_assert_error(error, REDIRECT_SOURCE_ERROR, REDIRECT_SOURCE_ERROR_NOT_REGISTERED);
        g_assert_null(strstr(error->message, "s3cret"));
        g_assert_null(strstr(service, "s3cret"));
}

static void test_config_from_the_daemon_config(void) {
        g_autoptr(DaemonConfig) daemon_config = daemon_config_new_default();
        RedirectConfig config;

        redirect_config_init(&config, daemon_config);
        g_assert_null(config.url_template);
        g_assert_null(config.ca_file);

        daemon_config->redirect_url = g_strdup("https://redirect.example/v1/{mac}");
        daemon_config->ca_file = g_strdup("/etc/tls-ca.pem");
        redirect_config_init(&config, daemon_config);
        g_assert_cmpstr(config.url_template, ==, "https://redirect.example/v1/{mac}");
        g_assert_cmpstr(config.ca_file, ==, "/etc/tls-ca.pem");
        g_assert_cmpstr(config.ca_file_setting, ==, "[TLS] CAFile");
        g_assert_cmpuint(config.timeout_seconds, ==, daemon_config->file_timeout);
        g_assert_cmpuint(config.connect_timeout_seconds, ==, daemon_config->connect_timeout);

        daemon_config->redirect_ca_file = g_strdup("/etc/redirect-ca.pem");
        redirect_config_init(&config, daemon_config);
        g_assert_cmpstr(config.ca_file, ==, "/etc/redirect-ca.pem");
        g_assert_cmpstr(config.ca_file_setting, ==, "[Redirect] CAFile");
}

/* The keys of provisiond.conf that the source and the client certificate read. */
static void test_config_keys_are_read(void) {
        g_autoptr(DaemonConfig) daemon_config = daemon_config_new_default();
        g_autoptr(GError) error = NULL;
        g_autofree char *path = NULL;
        int fd = g_file_open_tmp("provisiond-redirect-XXXXXX.conf", &path, &error);
        static const char text[] =
                "[TLS]\nCAFile=/etc/ca.pem\nClientCertificate=/etc/phone.pem\n"
                "ClientKey=/etc/phone.key\n[Redirect]\nUrl=https://r.example/v1/{mac}\n"
                "CAFile=/etc/r-ca.pem\n";
        g_autoptr(DaemonConfig) copy = NULL;
        RedirectConfig config;

        g_assert_no_error(error);
        close(fd);
        g_assert_true(g_file_set_contents(path, text, -1, &error));
        g_assert_true(daemon_config_load_file(daemon_config, path, TRUE, &error));
        g_assert_no_error(error);
        g_unlink(path);
        copy = daemon_config_copy(daemon_config);
        redirect_config_init(&config, copy);
        g_assert_cmpstr(config.url_template, ==, "https://r.example/v1/{mac}");
        g_assert_cmpstr(config.ca_file, ==, "/etc/r-ca.pem");
        g_assert_cmpstr(config.client_certificate, ==, "/etc/phone.pem");
        g_assert_cmpstr(config.client_key, ==, "/etc/phone.key");
}

static void test_error_reasons_are_named(void) {
        g_assert_cmpstr(redirect_source_error_reason(REDIRECT_SOURCE_ERROR_NOT_CONFIGURED), ==,
                        "not-configured");
        g_assert_cmpstr(redirect_source_error_reason(REDIRECT_SOURCE_ERROR_NOT_REGISTERED), ==,
                        "not-registered");
        g_assert_cmpstr(redirect_source_error_reason(REDIRECT_SOURCE_ERROR_BAD_ANSWER), ==, "bad-answer");
        g_assert_cmpstr(redirect_source_error_reason(REDIRECT_SOURCE_ERROR_CERTIFICATE), ==, "certificate");
        g_assert_cmpstr(redirect_source_error_reason((RedirectSourceError) 99), ==, "failed");
}

/* ---- TLS -------------------------------------------------------------------- */

static void test_certificate_of_another_ca_is_refused(Fixture *fixture, gconstpointer data) {
        g_autoptr(GError) error = failure_at(fixture, fixture->other, "/text/{mac}");

        g_assert_error(error, REDIRECT_SOURCE_ERROR, REDIRECT_SOURCE_ERROR_CERTIFICATE);
        assert_contains(error->message,
                        "unknown certificate authority (only the [Redirect] CAFile is trusted)");
        g_assert_cmpuint(fixture->paths->len, ==, 0);
}

static void test_pinned_ca_is_trusted_where_the_system_store_is_not(Fixture *fixture, gconstpointer data) {
        g_autofree char *template = server_url(fixture->secure, "/text/{mac}");
        RedirectConfig config = default_config(template);
        g_autoptr(GError) error = NULL;
        g_autofree char *url = NULL;

        config.ca_file = NULL;
        error = find_failure(fixture, &config);
        g_assert_error(error, REDIRECT_SOURCE_ERROR, REDIRECT_SOURCE_ERROR_CERTIFICATE);
        assert_contains(error->message, "unknown certificate authority");

        config.ca_file = TEST_TLS_DIR "/ca.pem";
        url = find_url(fixture, &config);
        g_assert_cmpstr(url, ==, PROVISIONING_URL);
}

static void test_unreadable_ca_file_is_a_config_reason(Fixture *fixture, gconstpointer data) {
        g_autofree char *template = server_url(fixture->secure, "/text/{mac}");
        RedirectConfig config = default_config(template);
        g_autoptr(GError) error = NULL;

        config.ca_file = TEST_TLS_DIR "/missing-ca.pem";
        error = find_failure(fixture, &config);
        g_assert_error(error, REDIRECT_SOURCE_ERROR, REDIRECT_SOURCE_ERROR_CONFIG);
        assert_contains(error->message, "missing-ca.pem ([Redirect] CAFile)");
}

static void test_client_certificate_is_presented(Fixture *fixture, gconstpointer data) {
        g_autofree char *template = server_url(fixture->demanding, "/v1/{mac}");
        RedirectConfig config = default_config(template);
        g_autofree char *url = NULL;

        config.client_certificate = TEST_TLS_DIR "/client.pem";
        config.client_key = TEST_TLS_DIR "/client.key";
        url = find_url(fixture, &config);
        g_assert_cmpstr(url, ==, PROVISIONING_URL);
        g_assert_cmpstr(fixture->client_subject, ==, "CN=00095200000E");
}

static void test_client_certificate_missing_is_named(Fixture *fixture, gconstpointer data) {
        g_autoptr(GError) error = failure_at(fixture, fixture->demanding, "/v1/{mac}");

        g_assert_error(error, REDIRECT_SOURCE_ERROR, REDIRECT_SOURCE_ERROR_CERTIFICATE);
        assert_contains(error->message, "requires a TLS client certificate, and provisiond has none to offer");
        g_assert_cmpuint(fixture->paths->len, ==, 0);
}

static void test_client_certificate_of_another_ca_is_named(Fixture *fixture, gconstpointer data) {
        g_autofree char *template = server_url(fixture->demanding, "/v1/{mac}");
        RedirectConfig config = default_config(template);
        g_autoptr(GError) error = NULL;

        config.client_certificate = TEST_TLS_DIR "/other-server.pem";
        config.client_key = TEST_TLS_DIR "/other-server.key";
        error = find_failure(fixture, &config);
        g_assert_error(error, REDIRECT_SOURCE_ERROR, REDIRECT_SOURCE_ERROR_CERTIFICATE);
        assert_contains(error->message, "did not accept the TLS client certificate");
        assert_contains(error->message, "other-server.pem");
        g_assert_cmpuint(fixture->paths->len, ==, 0);
}

static void test_unreadable_client_certificate_is_a_config_reason(Fixture *fixture, gconstpointer data) {
        g_autofree char *template = server_url(fixture->secure, "/text/{mac}");
        RedirectConfig config = default_config(template);
        g_autoptr(GError) error = NULL;

        /* A certificate file without a key, and no ClientKey. */
        config.client_certificate = TEST_TLS_DIR "/client.pem";
        error = find_failure(fixture, &config);
        g_assert_error(error, REDIRECT_SOURCE_ERROR, REDIRECT_SOURCE_ERROR_CONFIG);
        assert_contains(error->message, "cannot load the TLS client certificate");
        g_assert_cmpuint(fixture->paths->len, ==, 0);
}

/* ---- Cancelling ------------------------------------------------------------- */

static gboolean cancel_soon(gpointer user_data) {
        g_cancellable_cancel(user_data);
        return G_SOURCE_REMOVE;
}

static void test_cancel_ends_the_lookup(Fixture *fixture, gconstpointer data) {
        g_autofree char *template = server_url(fixture->secure, "/drip/{mac}");
        RedirectConfig config = default_config(template);
        g_autoptr(GCancellable) cancellable = g_cancellable_new();
        g_autoptr(GError) error = NULL;
        g_autofree char *url = NULL;

        config.timeout_seconds = 0; /* only the cancellation can end it */
        g_timeout_add(300, cancel_soon, cancellable);
        url = find_with(fixture, &config, cancellable, NULL, &error);
        g_assert_null(url);
        g_assert_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void test_cancelled_before_start(Fixture *fixture, gconstpointer data) {
        g_autofree char *template = server_url(fixture->secure, "/text/{mac}");
        RedirectConfig config = default_config(template);
        g_autoptr(GCancellable) cancellable = g_cancellable_new();
        g_autoptr(GError) error = NULL;
        g_autofree char *url = NULL;

        g_cancellable_cancel(cancellable);
        url = find_with(fixture, &config, cancellable, NULL, &error);
        g_assert_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

#define ADD(name, func) g_test_add(name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int main(int argc, char *argv[]) {
        int result;

        g_test_init(&argc, &argv, NULL);
        ADD("/redirect/text-answer-gives-its-first-line", test_text_answer_gives_its_first_line);
        ADD("/redirect/request-names-the-device", test_request_names_the_device);
        ADD("/redirect/service-url-is-reported", test_service_url_is_reported);
        ADD("/redirect/xml-answer-gives-its-url", test_xml_answer_gives_its_url);
        ADD("/redirect/xml-answer-with-another-root-is-bad", test_xml_answer_with_another_root_is_bad);
        ADD("/redirect/xml-answer-with-a-doctype-is-refused", test_xml_answer_with_a_doctype_is_refused);
        ADD("/redirect/404-is-not-registered", test_404_is_not_registered);
        ADD("/redirect/204-is-not-registered", test_204_is_not_registered);
        ADD("/redirect/500-is-unavailable-with-its-status", test_500_is_unavailable_with_its_status);
        ADD("/redirect/non-http-url-is-refused", test_non_http_url_is_refused);
        ADD("/redirect/relative-url-is-refused", test_relative_url_is_refused);
        ADD("/redirect/empty-answer-is-bad", test_empty_answer_is_bad);
        ADD("/redirect/other-content-type-is-bad", test_other_content_type_is_bad);
        ADD("/redirect/nul-byte-is-bad", test_nul_byte_is_bad);
        ADD("/redirect/control-character-is-bad", test_control_character_is_bad);
        ADD("/redirect/huge-answer-is-refused-by-its-length", test_huge_answer_is_refused_by_its_length);
        ADD("/redirect/huge-answer-without-length-is-cut", test_huge_answer_without_length_is_cut);
        ADD("/redirect/slow-drip-times-out", test_slow_drip_times_out);
        ADD("/redirect/redirect-loop-is-bad", test_redirect_loop_is_bad);
        ADD("/redirect/redirect-within-https-is-followed", test_redirect_within_https_is_followed);
        ADD("/redirect/redirect-to-plain-http-is-refused", test_redirect_to_plain_http_is_refused);
        ADD("/redirect/connection-refused-is-unavailable", test_connection_refused_is_unavailable);
        g_test_add_func("/redirect/answers-are-read-as-documented", test_answers_are_read_as_documented);
        g_test_add_func("/redirect/empty-body-without-data-is-read", test_empty_body_without_data_is_read);
        ADD("/redirect/no-template-is-not-configured", test_no_template_is_not_configured);
        ADD("/redirect/http-template-is-refused", test_http_template_is_refused);
        ADD("/redirect/template-that-is-no-url-is-refused", test_template_that_is_no_url_is_refused);
        ADD("/redirect/template-credentials-are-not-reported", test_template_credentials_are_not_reported);
        g_test_add_func("/redirect/config-from-the-daemon-config", test_config_from_the_daemon_config);
        g_test_add_func("/redirect/config-keys-are-read", test_config_keys_are_read);
        g_test_add_func("/redirect/error-reasons-are-named", test_error_reasons_are_named);
        ADD("/redirect/certificate-of-another-ca-is-refused", test_certificate_of_another_ca_is_refused);
        ADD("/redirect/pinned-ca-is-trusted-where-the-system-store-is-not",
            test_pinned_ca_is_trusted_where_the_system_store_is_not);
        ADD("/redirect/unreadable-ca-file-is-a-config-reason", test_unreadable_ca_file_is_a_config_reason);
        ADD("/redirect/client-certificate-is-presented", test_client_certificate_is_presented);
        ADD("/redirect/client-certificate-missing-is-named", test_client_certificate_missing_is_named);
        ADD("/redirect/client-certificate-of-another-ca-is-named",
            test_client_certificate_of_another_ca_is_named);
        ADD("/redirect/unreadable-client-certificate-is-a-config-reason",
            test_unreadable_client_certificate_is_a_config_reason);
        ADD("/redirect/cancel-ends-the-lookup", test_cancel_ends_the_lookup);
        ADD("/redirect/cancelled-before-start", test_cancelled_before_start);
        result = g_test_run();
        worker_threads_stop_idle(3 * G_TIME_SPAN_SECOND);
        return result;
}
