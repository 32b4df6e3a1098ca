/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Downloads against real servers on 127.0.0.1 in this process: a SoupServer
 * (plain and https) for well-behaved answers, and a raw threaded socket server
 * for peers that misbehave (never answer, drip, truncate, send without end).
 */
#include <gio/gio.h>
#include <libsoup/soup.h>
#include <string.h>

#include "fetch-auth-private.h"
#include "fetch.h"
#include "provision.h"
#include "test-tls-util.h"
#include "worker-threads.h"

#define REALM "provisiond-test"
#define USER "alice"
#define PASSWORD "s3cret-pw"
#define USER_AGENT "provisiond/0.1.0 (D200; 00095200000E)"
#define OK_BODY "<settings><a>1</a></settings>"
#define CAP (64 * 1024)
#define ENDLESS_LIMIT (64 * 1024 * 1024)

/* ---- A raw server for misbehaving peers --------------------------------- */

typedef enum {
        RAW_NEVER_ANSWER,
        RAW_TRUNCATED,
        RAW_SLOW_DRIP,
        RAW_ENDLESS_CHUNKED,
        RAW_ANNOUNCES_HUGE,
} RawBehaviour;

typedef struct {
        GThreadedSocketService *service;
        RawBehaviour behaviour;
        guint16 port;
        GCancellable *stop;
        GMutex lock;
        GCond changed;
        guint active;    /* connections being served */
        guint served;    /* connections served to the end */
        guint64 written; /* body bytes written */
        gboolean write_failed;
} RawServer;

static void raw_read_request(GInputStream *in, GCancellable *stop) {
        g_autoptr(GString) request = g_string_new(NULL);
        char byte;

        while (strstr(request->str, "\r\n\r\n") == NULL && request->len < 16384) {
                if (g_input_stream_read(in, &byte, 1, stop, NULL) != 1)
                        return;
                g_string_append_c(request, byte);
        }
}

/* Blocks until the client goes away or the test stops the server. */
static void raw_wait_for_close(GInputStream *in, GCancellable *stop) {
        char buffer[256];

        while (g_input_stream_read(in, buffer, sizeof(buffer), stop, NULL) > 0)
                ;
}

static gboolean raw_write(RawServer *raw, GOutputStream *out, const char *data, gsize length, gboolean body) {
        gboolean written = g_output_stream_write_all(out, data, length, NULL, raw->stop, NULL);

        g_mutex_lock(&raw->lock);
        if (!written)
                raw->write_failed = TRUE;
        else if (body)
                raw->written += length;
        g_mutex_unlock(&raw->lock);
        return written;
}

static void raw_write_endless_chunks(RawServer *raw, GOutputStream *out) {
        char chunk[16384 + 16];
        int header = g_snprintf(chunk, sizeof(chunk), "%x\r\n", 16384);

        memset(chunk + header, 'x', 16384);
        memcpy(chunk + header + 16384, "\r\n", 2);
        for (guint64 sent = 0; sent < ENDLESS_LIMIT; sent += 16384)
                if (!raw_write(raw, out, chunk, header + 16384 + 2, TRUE))
                        return;
}

static void raw_drip(RawServer *raw, GOutputStream *out) {
        for (int i = 0; i < 40 && !g_cancellable_is_cancelled(raw->stop); i++) {
                if (!raw_write(raw, out, "x", 1, TRUE) || !g_output_stream_flush(out, raw->stop, NULL))
                        return;
                g_usleep(100 * 1000);
        }
}

static void raw_behave(RawServer *raw, GInputStream *in, GOutputStream *out) {
        static const char truncated[] = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";
        static const char drip[] = "HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n";
        static const char chunked[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
        static const char huge[] = "HTTP/1.1 200 OK\r\nContent-Length: 104857600\r\n\r\n";
        char half[50];

        switch (raw->behaviour) {
        case RAW_NEVER_ANSWER:
                break;
        case RAW_TRUNCATED:
                memset(half, 'x', sizeof(half));
                if (raw_write(raw, out, truncated, strlen(truncated), FALSE))
                        raw_write(raw, out, half, sizeof(half), TRUE);
                return;
        case RAW_SLOW_DRIP:
                if (raw_write(raw, out, drip, strlen(drip), FALSE))
                        raw_drip(raw, out);
                return;
        case RAW_ENDLESS_CHUNKED:
                if (raw_write(raw, out, chunked, strlen(chunked), FALSE))
                        raw_write_endless_chunks(raw, out);
                return;
        case RAW_ANNOUNCES_HUGE:
                raw_write(raw, out, huge, strlen(huge), FALSE);
                break;
        }
        raw_wait_for_close(in, raw->stop);
}

static gboolean on_raw_connection(GThreadedSocketService *service, GSocketConnection *connection,
                                  GObject *source_object, gpointer user_data) {
        RawServer *raw = user_data;
        GInputStream *in = g_io_stream_get_input_stream(G_IO_STREAM(connection));
        GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(connection));

        g_mutex_lock(&raw->lock);
        raw->active++;
        g_mutex_unlock(&raw->lock);

        raw_read_request(in, raw->stop);
        raw_behave(raw, in, out);
        g_io_stream_close(G_IO_STREAM(connection), NULL, NULL);

        g_mutex_lock(&raw->lock);
        raw->active--;
        raw->served++;
        g_cond_broadcast(&raw->changed);
        g_mutex_unlock(&raw->lock);
        return TRUE;
}

static RawServer *raw_server_start(RawBehaviour behaviour) {
        RawServer *raw = g_new0(RawServer, 1);
        g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
        g_autoptr(GSocketAddress) address = g_inet_socket_address_new(loopback, 0);
        g_autoptr(GSocketAddress) effective = NULL;
        g_autoptr(GError) error = NULL;

        raw->behaviour = behaviour;
        raw->stop = g_cancellable_new();
        g_mutex_init(&raw->lock);
        g_cond_init(&raw->changed);
        raw->service = G_THREADED_SOCKET_SERVICE(g_threaded_socket_service_new(4));
        g_socket_listener_add_address(G_SOCKET_LISTENER(raw->service), address, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, NULL, &effective, &error);
        g_assert_no_error(error);
        raw->port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(effective));
        g_signal_connect(raw->service, "run", G_CALLBACK(on_raw_connection), raw);
        g_socket_service_start(G_SOCKET_SERVICE(raw->service));
        return raw;
}

static guint raw_server_served(RawServer *raw) {
        guint served;

        g_mutex_lock(&raw->lock);
        served = raw->served;
        g_mutex_unlock(&raw->lock);
        return served;
}

/* TRUE once @count connections were served to the end, within @seconds. The
 * main context keeps running: libsoup may close connections from it. */
static gboolean raw_server_wait_served(RawServer *raw, guint count, int seconds) {
        gint64 deadline = g_get_monotonic_time() + seconds * G_TIME_SPAN_SECOND;

        while (raw_server_served(raw) < count && g_get_monotonic_time() < deadline) {
                g_main_context_iteration(NULL, FALSE);
                g_usleep(10 * 1000);
        }
        return raw_server_served(raw) >= count;
}

static void raw_server_free(RawServer *raw) {
        gint64 deadline = g_get_monotonic_time() + 5 * G_TIME_SPAN_SECOND;

        g_cancellable_cancel(raw->stop);
        g_socket_service_stop(G_SOCKET_SERVICE(raw->service));
        g_socket_listener_close(G_SOCKET_LISTENER(raw->service));
        g_mutex_lock(&raw->lock);
        while (raw->active > 0 && g_cond_wait_until(&raw->changed, &raw->lock, deadline))
                ;
        g_assert_cmpuint(raw->active, ==, 0);
        g_mutex_unlock(&raw->lock);
        g_object_unref(raw->service);
        g_object_unref(raw->stop);
        g_mutex_clear(&raw->lock);
        g_cond_clear(&raw->changed);
        g_free(raw);
}

static char *raw_server_url(const RawServer *raw, const char *path) {
        return g_strdup_printf("http://127.0.0.1:%u%s", raw->port, path);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(RawServer, raw_server_free)

/* ---- SoupServers for well-behaved answers --------------------------------- */

typedef struct {
        SoupServer *plain;
        SoupServer *other;  /* another origin */
        SoupServer *secure; /* https with the test CA's certificate */
        char *user_agent;   /* as the last /ok request had it */
        gboolean basic_checked;
} Fixture;

static void respond(SoupServerMessage *message, guint status, const char *body) {
        soup_server_message_set_status(message, status, NULL);
        if (body != NULL)
                soup_server_message_set_response(message, "application/xml", SOUP_MEMORY_COPY, body,
                                                 strlen(body));
}

static void redirect(SoupServerMessage *message, const char *location) {
        soup_server_message_set_redirect(message, SOUP_STATUS_FOUND, location);
}

static void handle_ok(SoupServer *server, SoupServerMessage *message, const char *path, GHashTable *query,
                      gpointer user_data) {
        Fixture *fixture = user_data;
        SoupMessageHeaders *headers = soup_server_message_get_request_headers(message);

        g_free(fixture->user_agent);
        fixture->user_agent = g_strdup(soup_message_headers_get_one(headers, "User-Agent"));
        respond(message, SOUP_STATUS_OK, OK_BODY);
}

static void handle_status(SoupServer *server, SoupServerMessage *message, const char *path,
                          GHashTable *query, gpointer user_data) {
        respond(message, (guint) g_ascii_strtoull(path + strlen("/status/"), NULL, 10), "<error/>");
}

static void handle_size(SoupServer *server, SoupServerMessage *message, const char *path, GHashTable *query,
                        gpointer user_data) {
        gsize size = g_ascii_strtoull(path + strlen("/size/"), NULL, 10);
        g_autofree char *body = g_malloc(size + 1);

        memset(body, 'x', size);
        body[size] = '\0';
        respond(message, SOUP_STATUS_OK, body);
}

/* /hops/N redirects N times before answering. */
static void handle_hops(SoupServer *server, SoupServerMessage *message, const char *path, GHashTable *query,
                        gpointer user_data) {
        guint remaining = (guint) g_ascii_strtoull(path + strlen("/hops/"), NULL, 10);
        g_autofree char *next = g_strdup_printf("/hops/%u", remaining - 1);

        if (remaining == 0)
                respond(message, SOUP_STATUS_OK, OK_BODY);
        else
                redirect(message, next);
}

static void handle_loop(SoupServer *server, SoupServerMessage *message, const char *path, GHashTable *query,
                        gpointer user_data) {
        redirect(message, g_str_equal(path, "/loop/a") ? "/loop/b" : "/loop/a");
}

static void handle_to_ftp(SoupServer *server, SoupServerMessage *message, const char *path,
                          GHashTable *query, gpointer user_data) {
        redirect(message, "ftp://127.0.0.1/x.xml");
}

/* Redirects to the absolute URL in @user_data. */
static void handle_to_elsewhere(SoupServer *server, SoupServerMessage *message, const char *path,
                                GHashTable *query, gpointer user_data) {
        redirect(message, user_data);
}

static void handle_protected(SoupServer *server, SoupServerMessage *message, const char *path,
                             GHashTable *query, gpointer user_data) {
        respond(message, SOUP_STATUS_OK, OK_BODY);
}

static gboolean check_basic(SoupAuthDomain *domain, SoupServerMessage *message, const char *username,
                            const char *password, gpointer user_data) {
        Fixture *fixture = user_data;

        fixture->basic_checked = TRUE;
        return g_str_equal(username, USER) && g_str_equal(password, PASSWORD);
}

static char *digest_of(SoupAuthDomain *domain, SoupServerMessage *message, const char *username,
                       gpointer user_data) {
        if (!g_str_equal(username, USER))
                return NULL;
        return soup_auth_domain_digest_encode_password(USER, REALM, PASSWORD);
}

static void add_auth_domains(SoupServer *server, Fixture *fixture) {
        g_autoptr(SoupAuthDomain) basic = soup_auth_domain_basic_new("realm", REALM, NULL);
        g_autoptr(SoupAuthDomain) digest = soup_auth_domain_digest_new("realm", REALM, NULL);

        soup_auth_domain_add_path(basic, "/basic");
        soup_auth_domain_basic_set_auth_callback(basic, check_basic, fixture, NULL);
        soup_server_add_auth_domain(server, basic);
        soup_auth_domain_add_path(digest, "/digest");
        soup_auth_domain_digest_set_auth_callback(digest, digest_of, NULL, NULL);
        soup_server_add_auth_domain(server, digest);
}

static SoupServer *server_start(Fixture *fixture, gboolean secure) {
        g_autoptr(SoupServer) server = test_server_new(secure ? "server" : NULL);

        soup_server_add_handler(server, "/ok", handle_ok, fixture, NULL);
        soup_server_add_handler(server, "/status", handle_status, NULL, NULL);
        soup_server_add_handler(server, "/size", handle_size, NULL, NULL);
        soup_server_add_handler(server, "/hops", handle_hops, NULL, NULL);
        soup_server_add_handler(server, "/loop", handle_loop, NULL, NULL);
        soup_server_add_handler(server, "/to-ftp", handle_to_ftp, NULL, NULL);
        soup_server_add_handler(server, "/basic", handle_protected, NULL, NULL);
        soup_server_add_handler(server, "/digest", handle_protected, NULL, NULL);
        add_auth_domains(server, fixture);
        test_server_listen(server);
        return g_steal_pointer(&server);
}

/* "scheme://[userinfo@]127.0.0.1:port/path" of @server. */
static char *server_url(SoupServer *server, const char *userinfo, const char *path) {
        GSList *uris = soup_server_get_uris(server);
        GUri *uri = uris->data;
        char *url = g_strdup_printf("%s://%s%s127.0.0.1:%d%s", g_uri_get_scheme(uri),
                                    userinfo != NULL ? userinfo : "", userinfo != NULL ? "@" : "",
                                    g_uri_get_port(uri), path);

        g_slist_free_full(uris, (GDestroyNotify) g_uri_unref);
        return url;
}

static void fixture_set_up(Fixture *fixture, gconstpointer data) {
        fixture->plain = server_start(fixture, FALSE);
        fixture->other = server_start(fixture, FALSE);
        fixture->secure = server_start(fixture, TRUE);
}

static void fixture_tear_down(Fixture *fixture, gconstpointer data) {
        g_clear_object(&fixture->plain);
        g_clear_object(&fixture->other);
        g_clear_object(&fixture->secure);
        g_clear_pointer(&fixture->user_agent, g_free);
}

/* ---- Fetching ------------------------------------------------------------- */

static FetchOptions default_options(void) {
        return (FetchOptions){
                .connect_timeout_seconds = 2,
                .file_timeout_seconds = 2,
                .max_file_size = CAP,
                .max_redirects = 3,
                .user_agent = USER_AGENT,
        };
}

typedef struct {
        Fetcher *fetcher;
        GMainLoop *loop;
        FetchResponse *response;
        GError *error;
        gboolean done;
} FetchResult;

static void on_fetched(GObject *source, GAsyncResult *result, gpointer user_data) {
        FetchResult *fetch = user_data;

        fetch->response = fetcher_fetch_finish(fetch->fetcher, result, &fetch->error);
        fetch->done = TRUE;
        g_main_loop_quit(fetch->loop);
}

static gboolean on_fetch_hangs(gpointer user_data) {
        g_error("the fetch did not finish within 10 s");
        return G_SOURCE_REMOVE;
}

static FetchResponse *fetch_response_with(Fetcher *fetcher, const char *url, GCancellable *cancellable,
                                          GError **error) {
        g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
        FetchResult fetch = { .fetcher = fetcher, .loop = loop };
        guint guard;

        fetcher_fetch_async(fetcher, url, cancellable, on_fetched, &fetch);
        guard = g_timeout_add_seconds(10, on_fetch_hangs, NULL);
        if (!fetch.done)
                g_main_loop_run(loop);
        g_source_remove(guard);
        g_assert_true((fetch.response != NULL) != (fetch.error != NULL));
        if (fetch.error != NULL)
                g_propagate_error(error, fetch.error);
        return fetch.response;
}

static GBytes *fetch_with(Fetcher *fetcher, const char *url, GCancellable *cancellable, GError **error) {
        g_autoptr(FetchResponse) response = fetch_response_with(fetcher, url, cancellable, error);

        return response != NULL ? g_bytes_ref(response->body) : NULL;
}

static Fetcher *new_fetcher(const FetchOptions *options) {
        g_autoptr(GError) error = NULL;
        Fetcher *fetcher = fetcher_new(options, &error);

        g_assert_no_error(error);
        return fetcher;
}

static GBytes *fetch_cancellable(const FetchOptions *options, const char *url, GCancellable *cancellable,
                                 GError **error) {
        g_autoptr(Fetcher) fetcher = new_fetcher(options);

        return fetch_with(fetcher, url, cancellable, error);
}

static GBytes *fetch(const FetchOptions *options, const char *url, GError **error) {
        return fetch_cancellable(options, url, NULL, error);
}

static void assert_body(GBytes *body, const char *expected) {
        gsize length = 0;
        const char *data = g_bytes_get_data(body, &length);

        g_assert_cmpmem(data, length, expected, strlen(expected));
}

/* The error of a fetch that must fail. */
static GError *fetch_failure_cancellable(const FetchOptions *options, const char *url,
                                         GCancellable *cancellable) {
        GError *error = NULL;
        g_autoptr(GBytes) body = fetch_cancellable(options, url, cancellable, &error);

        g_assert_null(body);
        g_assert_nonnull(error);
        g_test_message("%s: %s", url, error->message);
        return error;
}

static GError *fetch_failure(const FetchOptions *options, const char *url) {
        return fetch_failure_cancellable(options, url, NULL);
}

/* The fetch succeeds with the OK_BODY document. */
static void assert_fetch_gives_ok(const FetchOptions *options, const char *url) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GBytes) body = fetch(options, url, &error);

        g_assert_no_error(error);
        assert_body(body, OK_BODY);
}

/* Configures USER and PASSWORD as the credentials of @url's origin. */
static void configure_credentials(FetchOptions *options, const char *url) {
        options->username = USER;
        options->password = PASSWORD;
        options->credentials_url = url;
}

/* The fetch fails with PROV_ERROR @code, and the message says @fact (NULL: anything). */
static void assert_fetch_fails_saying(const FetchOptions *options, const char *url, int code,
                                      const char *fact) {
        g_autoptr(GError) error = fetch_failure(options, url);

        g_assert_error(error, PROV_ERROR, code);
        if (fact != NULL && strstr(error->message, fact) == NULL)
                g_error("message \"%s\" does not say \"%s\"", error->message, fact);
}

static void assert_fetch_fails(const FetchOptions *options, const char *url, int code) {
        assert_fetch_fails_saying(options, url, code, NULL);
}

/* A fetch from a path of the plain server that fails with @code and says @fact. */
typedef struct {
        const char *path;
        int code;
        const char *fact; /* NULL: any message */
} PlainFailure;

static const PlainFailure http_500_is_download_error = { "/status/500", PROV_ERROR_DOWNLOAD, NULL };
static const PlainFailure redirect_loop = { "/loop/a", PROV_ERROR_REDIRECT, "loop" };
static const PlainFailure too_many_redirects = { "/hops/4", PROV_ERROR_REDIRECT, NULL };
static const PlainFailure redirect_to_other_scheme_refused = { "/to-ftp", PROV_ERROR_REDIRECT, NULL };
static const PlainFailure missing_credentials = { "/digest/x.xml", PROV_ERROR_AUTHENTICATION, NULL };
static const PlainFailure missing_credentials_says_none_configured = { "/digest/x.xml",
                                                                       PROV_ERROR_AUTHENTICATION,
                                                                       "no credentials configured" };

static void test_plain_fetch_fails(Fixture *fixture, gconstpointer data) {
        const PlainFailure *failure = data;
        FetchOptions options = default_options();
        g_autofree char *url = server_url(fixture->plain, NULL, failure->path);

        assert_fetch_fails_saying(&options, url, failure->code, failure->fact);
}

/* ---- Tests ---------------------------------------------------------------- */

static void test_ok_body(Fixture *fixture, gconstpointer data) {
        FetchOptions options = default_options();
        g_autofree char *url = server_url(fixture->plain, NULL, "/ok");
        g_autoptr(GError) error = NULL;
        g_autoptr(GBytes) body = fetch(&options, url, &error);

        g_assert_no_error(error);
        assert_body(body, OK_BODY);
}

static void test_user_agent_arrives(Fixture *fixture, gconstpointer data) {
        FetchOptions options = default_options();
        g_autofree char *url = server_url(fixture->plain, NULL, "/ok");
        g_autoptr(GError) error = NULL;
        g_autoptr(GBytes) body = fetch(&options, url, &error);

        g_assert_no_error(error);
        assert_body(body, OK_BODY);
        g_assert_cmpstr(fixture->user_agent, ==, USER_AGENT);
}

static void test_http_404_is_download_error(Fixture *fixture, gconstpointer data) {
        FetchOptions options = default_options();
        g_autofree char *url = server_url(fixture->plain, NULL, "/status/404");
        g_autofree char *expected = g_strdup_printf("HTTP 404 Not Found from %s", url);
        g_autoptr(GError) error = fetch_failure(&options, url);

        g_assert_error(error, PROV_ERROR, PROV_ERROR_DOWNLOAD);
        g_assert_cmpstr(error->message, ==, expected);
}

static void test_error_message_hides_credentials(Fixture *fixture, gconstpointer data) {
        FetchOptions options = default_options();
        g_autofree char *url = server_url(fixture->plain, USER ":" PASSWORD, "/status/404");
        g_autofree char *redacted = server_url(fixture->plain, NULL, "/status/404");
        g_autoptr(GError) error = fetch_failure(&options, url);

        g_assert_error(error, PROV_ERROR, PROV_ERROR_DOWNLOAD);
        g_assert_nonnull(strstr(error->message, redacted));
        g_assert_null(strstr(error->message, USER));
        g_assert_null(strstr(error->message, PASSWORD));
}

static void test_connection_refused(Fixture *fixture, gconstpointer data) {
        FetchOptions options = default_options();
        g_autoptr(GSocket) socket = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                                 G_SOCKET_PROTOCOL_TCP, NULL);
        g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
        g_autoptr(GSocketAddress) address = g_inet_socket_address_new(loopback, 0);
        g_autoptr(GSocketAddress) bound = NULL;
        g_autofree char *url = NULL;

        /* Bound but not listening, and held until the fetch is over: connections are
         * refused, and no other process can take the port meanwhile. */
        g_assert_true(g_socket_bind(socket, address, FALSE, NULL));
        bound = g_socket_get_local_address(socket, NULL);
        url = g_strdup_printf("http://127.0.0.1:%u/x.xml",
                              g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound)));
        assert_fetch_fails(&options, url, PROV_ERROR_DOWNLOAD);
}

static void test_never_answers_times_out(Fixture *fixture, gconstpointer data) {
        g_autoptr(RawServer) raw = raw_server_start(RAW_NEVER_ANSWER);
        g_autofree char *url = raw_server_url(raw, "/x.xml");
        FetchOptions options = default_options();

        options.file_timeout_seconds = 1;
        assert_fetch_fails(&options, url, PROV_ERROR_TIMEOUT);
}

static void test_silent_server_hits_connect_timeout(Fixture *fixture, gconstpointer data) {
        g_autoptr(RawServer) raw = raw_server_start(RAW_NEVER_ANSWER);
        g_autofree char *url = raw_server_url(raw, "/x.xml");
        FetchOptions options = default_options();

        options.connect_timeout_seconds = 1;
        options.file_timeout_seconds = 0;
        assert_fetch_fails(&options, url, PROV_ERROR_TIMEOUT);
}

static void test_slow_drip_times_out(Fixture *fixture, gconstpointer data) {
        g_autoptr(RawServer) raw = raw_server_start(RAW_SLOW_DRIP);
        g_autofree char *url = raw_server_url(raw, "/x.xml");
        FetchOptions options = default_options();

        options.file_timeout_seconds = 1;
        assert_fetch_fails(&options, url, PROV_ERROR_TIMEOUT);
}

static void test_truncated_body(Fixture *fixture, gconstpointer data) {
        g_autoptr(RawServer) raw = raw_server_start(RAW_TRUNCATED);
        g_autofree char *url = raw_server_url(raw, "/x.xml");
        FetchOptions options = default_options();

        assert_fetch_fails(&options, url, PROV_ERROR_DOWNLOAD);
}

static void test_body_over_cap_stops_transfer(Fixture *fixture, gconstpointer data) {
        g_autoptr(RawServer) raw = raw_server_start(RAW_ENDLESS_CHUNKED);
        g_autofree char *url = raw_server_url(raw, "/x.xml");
        FetchOptions options = default_options();
        g_autoptr(Fetcher) fetcher = new_fetcher(&options);
        g_autoptr(GError) error = NULL;
        g_autoptr(GBytes) body = fetch_with(fetcher, url, NULL, &error);

        g_assert_null(body);
        g_assert_error(error, PROV_ERROR, PROV_ERROR_TOO_LARGE);
        /* The server notices the connection closed long before it has sent
         * everything, while the fetcher (and its connection pool) lives on. */
        g_assert_true(raw_server_wait_served(raw, 1, 2));
        g_assert_true(raw->write_failed);
        g_assert_cmpuint(raw->written, <, ENDLESS_LIMIT);
}

static void test_announced_size_over_cap_fails_before_reading(Fixture *fixture, gconstpointer data) {
        g_autoptr(RawServer) raw = raw_server_start(RAW_ANNOUNCES_HUGE);
        g_autofree char *url = raw_server_url(raw, "/x.xml");
        FetchOptions options = default_options();

        /* The server sends no body at all: only the header can have failed the fetch. */
        assert_fetch_fails(&options, url, PROV_ERROR_TOO_LARGE);
}

static void test_body_at_cap_accepted(Fixture *fixture, gconstpointer data) {
        FetchOptions options = default_options();
        g_autofree char *at_cap_path = g_strdup_printf("/size/%u", CAP);
        g_autofree char *over_cap_path = g_strdup_printf("/size/%u", CAP + 1);
        g_autofree char *at_cap = server_url(fixture->plain, NULL, at_cap_path);
        g_autofree char *over_cap = server_url(fixture->plain, NULL, over_cap_path);
        g_autoptr(GError) error = NULL;
        g_autoptr(GBytes) body = fetch(&options, at_cap, &error);

        g_assert_no_error(error);
        g_assert_cmpuint(g_bytes_get_size(body), ==, CAP);
        assert_fetch_fails(&options, over_cap, PROV_ERROR_TOO_LARGE);
}

static void test_redirects_within_limit_followed(Fixture *fixture, gconstpointer data) {
        FetchOptions options = default_options();
        g_autofree char *two = server_url(fixture->plain, NULL, "/hops/2");
        g_autofree char *three = server_url(fixture->plain, NULL, "/hops/3");
        g_autoptr(GError) error = NULL;
        g_autoptr(GBytes) body = fetch(&options, two, &error);
        g_autoptr(GBytes) at_limit = NULL;

        g_assert_no_error(error);
        assert_body(body, OK_BODY);
        at_limit = fetch(&options, three, &error);
        g_assert_no_error(error);
        assert_body(at_limit, OK_BODY);
}

static void test_unsupported_scheme(Fixture *fixture, gconstpointer data) {
        FetchOptions options = default_options();

        assert_fetch_fails(&options, "ftp://127.0.0.1/x.xml", PROV_ERROR_UNSUPPORTED_URL);
        assert_fetch_fails(&options, "file:///etc/hostname", PROV_ERROR_UNSUPPORTED_URL);
}

static void test_basic_over_http_refused(Fixture *fixture, gconstpointer data) {
        FetchOptions options = default_options();
        g_autofree char *url = server_url(fixture->plain, USER ":" PASSWORD, "/basic/x.xml");

        assert_fetch_fails_saying(&options, url, PROV_ERROR_AUTHENTICATION,
                                  "Basic authentication over plain http refused");
        g_assert_false(fixture->basic_checked);
}

static void test_basic_over_https_accepted(Fixture *fixture, gconstpointer data) {
        FetchOptions options = default_options();
        g_autofree char *url = server_url(fixture->secure, NULL, "/basic/x.xml");

        options.ca_file = TEST_TLS_DIR "/ca.pem";
        configure_credentials(&options, url);
        assert_fetch_gives_ok(&options, url);
        g_assert_true(fixture->basic_checked);
}

static void test_digest_over_http_accepted(Fixture *fixture, gconstpointer data) {
        FetchOptions options = default_options();
        g_autofree char *url = server_url(fixture->plain, NULL, "/digest/x.xml");

        configure_credentials(&options, url);
        assert_fetch_gives_ok(&options, url);
}

static char *server_origin(SoupServer *server) {
        return server_url(server, NULL, "");
}

/* @message says that @which credentials were withheld from @to because they belong to @from. */
static void assert_credentials_withheld(const char *message, const char *which, SoupServer *from,
                                        SoupServer *to) {
        g_autofree char *from_origin = server_origin(from);
        g_autofree char *to_origin = server_origin(to);
        g_autofree char *expected = g_strdup_printf(
                "were not sent: they belong to %s and the request went to "
                "another origin, %s",
                from_origin, to_origin);

        g_assert_true(g_str_has_prefix(strstr(message, which), which));
        g_assert_nonnull(strstr(message, expected));
        g_assert_null(strstr(message, "no credentials"));
}

/* Configured credentials belong to the provisioning server: another host asking gets none. */
static void test_configured_credentials_stay_with_their_origin(Fixture *fixture, gconstpointer data) {
        FetchOptions options = default_options();
        g_autofree char *provisioning_server = server_url(fixture->plain, NULL, "/x.xml");
        g_autofree char *other_host = server_url(fixture->other, NULL, "/digest/x.xml");
        g_autoptr(GError) error = NULL;

        options.username = USER;
        options.password = PASSWORD;
        options.credentials_url = provisioning_server;
        error = fetch_failure(&options, other_host);
        g_assert_error(error, PROV_ERROR, PROV_ERROR_AUTHENTICATION);
        /* The true reason, not "no credentials configured": both origins named. */
        assert_credentials_withheld(error->message, "the configured credentials", fixture->plain,
                                    fixture->other);
}

static void test_wrong_digest_password(Fixture *fixture, gconstpointer data) {
        FetchOptions options = default_options();
        g_autofree char *url = server_url(fixture->plain, USER ":wrong-pw", "/digest/x.xml");
        g_autoptr(GError) error = fetch_failure(&options, url);

        g_assert_error(error, PROV_ERROR, PROV_ERROR_AUTHENTICATION);
        g_assert_null(strstr(error->message, USER));
        g_assert_null(strstr(error->message, "wrong-pw"));
}

static void test_userinfo_wins_over_options(Fixture *fixture, gconstpointer data) {
        FetchOptions options = default_options();
        g_autofree char *url = server_url(fixture->plain, USER ":" PASSWORD, "/digest/x.xml");

        options.username = "mallory";
        options.password = "nope";
        assert_fetch_gives_ok(&options, url);
}

/* A redirect to another server does not take the URL's credentials along. */
static void test_userinfo_stays_with_its_origin(Fixture *fixture, gconstpointer data) {
        FetchOptions options = default_options();
        g_autofree char *elsewhere = server_url(fixture->other, NULL, "/digest/x.xml");
        g_autofree char *url = server_url(fixture->plain, USER ":" PASSWORD, "/elsewhere");
        g_autoptr(GError) error = NULL;

        soup_server_add_handler(fixture->plain, "/elsewhere", handle_to_elsewhere, elsewhere, NULL);
        error = fetch_failure(&options, url);
        g_assert_error(error, PROV_ERROR, PROV_ERROR_AUTHENTICATION);
        assert_credentials_withheld(error->message, "the user name and password in the URL", fixture->plain,
                                    fixture->other);
        g_assert_null(strstr(error->message, PASSWORD));
}

/* The configured credentials follow a redirect that stays at their origin. */
static void test_configured_credentials_follow_a_redirect_at_their_origin(Fixture *fixture,
                                                                          gconstpointer data) {
        FetchOptions options = default_options();
        g_autofree char *protected = server_url(fixture->plain, NULL, "/digest/x.xml");
        g_autofree char *url = server_url(fixture->plain, NULL, "/to-protected");

        soup_server_add_handler(fixture->plain, "/to-protected", handle_to_elsewhere, protected, NULL);
        configure_credentials(&options, url);
        assert_fetch_gives_ok(&options, url);
}

/* A wrong password is not "no credentials": the message says which ones the server refused. */
static void test_refused_credentials_are_named(Fixture *fixture, gconstpointer data) {
        FetchOptions options = default_options();
        g_autofree char *url = server_url(fixture->plain, NULL, "/digest/x.xml");
        g_autofree char *with_userinfo = server_url(fixture->plain, USER ":wrong-pw", "/digest/x.xml");
        g_autoptr(GError) configured = NULL;
        g_autoptr(GError) from_url = NULL;

        options.username = USER;
        options.password = "wrong-pw";
        options.credentials_url = url;
        configured = fetch_failure(&options, url);
        g_assert_error(configured, PROV_ERROR, PROV_ERROR_AUTHENTICATION);
        g_assert_nonnull(strstr(configured->message, "the server refused the configured credentials"));
        options = default_options();
        from_url = fetch_failure(&options, with_userinfo);
        g_assert_error(from_url, PROV_ERROR, PROV_ERROR_AUTHENTICATION);
        g_assert_nonnull(strstr(from_url->message, "the server refused the user name and password in the URL"));
}

/* https://h/ and https://h:443/ are one origin: the default port counts (RFC 6454). */
static void test_origin_uses_the_default_port(void) {
        g_autofree char *implicit_https = fetch_origin_of_url("https://Prov.Example.com/x.xml");
        g_autofree char *explicit_https = fetch_origin_of_url("https://prov.example.com:443/y.xml");
        g_autofree char *implicit_http = fetch_origin_of_url("http://user:pw@prov.example.com/x.xml");

        g_assert_cmpstr(implicit_https, ==, "https://prov.example.com:443");
        g_assert_cmpstr(explicit_https, ==, implicit_https);
        g_assert_cmpstr(implicit_http, ==, "http://prov.example.com:80");
}

/* /meta answers with the metadata a caller reads the body by. */
static void handle_meta(SoupServer *server, SoupServerMessage *message, const char *path, GHashTable *query,
                        gpointer user_data) {
        SoupMessageHeaders *headers = soup_server_message_get_response_headers(message);

        soup_server_message_set_status(message, SOUP_STATUS_OK, NULL);
        soup_server_message_set_response(message, "Application/XML; charset=ISO-8859-1", SOUP_MEMORY_COPY,
                                         OK_BODY, strlen(OK_BODY));
        soup_message_headers_replace(headers, "ETag", "\"v42\"");
        soup_message_headers_replace(headers, "Last-Modified", "Sun, 29 Nov 2026 10:00:00 GMT");
}

static void test_response_carries_final_url_and_metadata(Fixture *fixture, gconstpointer data) {
        FetchOptions options = default_options();
        g_autofree char *meta = server_url(fixture->other, NULL, "/meta/file.xml");
        g_autofree char *url = server_url(fixture->plain, NULL, "/to-meta");
        g_autoptr(Fetcher) fetcher = new_fetcher(&options);
        g_autoptr(GError) error = NULL;
        g_autoptr(FetchResponse) response = NULL;

        soup_server_add_handler(fixture->other, "/meta", handle_meta, NULL, NULL);
        soup_server_add_handler(fixture->plain, "/to-meta", handle_to_elsewhere, meta, NULL);
        response = fetch_response_with(fetcher, url, NULL, &error);
        g_assert_no_error(error);
        g_assert_cmpstr(response->url, ==, meta);
        g_assert_cmpuint(response->status, ==, 200);
        g_assert_cmpstr(response->content_type, ==, "application/xml");
        g_assert_cmpstr(response->charset, ==, "ISO-8859-1");
        g_assert_cmpstr(response->etag, ==, "\"v42\"");
        g_assert_cmpstr(response->last_modified, ==, "Sun, 29 Nov 2026 10:00:00 GMT");
        assert_body(response->body, OK_BODY);
}

/* A failure after a redirect names the URL that failed and the one asked for. */
static void test_failure_after_redirect_names_both_urls(Fixture *fixture, gconstpointer data) {
        FetchOptions options = default_options();
        g_autofree char *missing = server_url(fixture->other, NULL, "/status/404");
        g_autofree char *url = server_url(fixture->plain, "u:secret-pw", "/to-missing");
        g_autofree char *redacted = server_url(fixture->plain, NULL, "/to-missing");
        g_autofree char *expected = NULL;
        g_autoptr(GError) error = NULL;

        soup_server_add_handler(fixture->plain, "/to-missing", handle_to_elsewhere, missing, NULL);
        error = fetch_failure(&options, url);
        g_assert_error(error, PROV_ERROR, PROV_ERROR_DOWNLOAD);
        expected = g_strdup_printf("HTTP 404 Not Found from %s (redirected from %s)", missing, redacted);
        g_assert_cmpstr(error->message, ==, expected);
}

/* Without a redirect the final URL is the requested one, userinfo included; after a
 * redirect within the same origin the userinfo stays, to another origin it goes. */
static void test_final_url_keeps_userinfo_only_at_its_origin(Fixture *fixture, gconstpointer data) {
        FetchOptions options = default_options();
        g_autofree char *direct = server_url(fixture->plain, "u:p", "/ok");
        g_autofree char *hops = server_url(fixture->plain, "u:p", "/hops/1");
        g_autofree char *hops_end = server_url(fixture->plain, "u:p", "/hops/0");
        g_autofree char *other_ok = server_url(fixture->other, NULL, "/ok");
        g_autofree char *to_other = server_url(fixture->plain, "u:p", "/to-other");
        g_autoptr(Fetcher) fetcher = new_fetcher(&options);
        g_autoptr(FetchResponse) first = NULL;
        g_autoptr(FetchResponse) second = NULL;
        g_autoptr(FetchResponse) third = NULL;
        g_autoptr(GError) error = NULL;

        soup_server_add_handler(fixture->plain, "/to-other", handle_to_elsewhere, other_ok, NULL);
        first = fetch_response_with(fetcher, direct, NULL, &error);
        g_assert_no_error(error);
        g_assert_cmpstr(first->url, ==, direct);
        second = fetch_response_with(fetcher, hops, NULL, &error);
        g_assert_no_error(error);
        g_assert_cmpstr(second->url, ==, hops_end);
        third = fetch_response_with(fetcher, to_other, NULL, &error);
        g_assert_no_error(error);
        g_assert_cmpstr(third->url, ==, other_ok);
}

static void test_untrusted_certificate(Fixture *fixture, gconstpointer data) {
        FetchOptions options = default_options();
        g_autofree char *url = server_url(fixture->secure, NULL, "/ok");

        assert_fetch_fails_saying(&options, url, PROV_ERROR_CERTIFICATE, "unknown certificate authority");
}

static void test_configured_ca_trusted(Fixture *fixture, gconstpointer data) {
        FetchOptions options = default_options();
        g_autofree char *url = server_url(fixture->secure, NULL, "/ok");

        options.ca_file = TEST_TLS_DIR "/ca.pem";
        assert_fetch_gives_ok(&options, url);
}

static void test_unreadable_ca_file(Fixture *fixture, gconstpointer data) {
        FetchOptions options = default_options();
        g_autoptr(GError) error = NULL;
        g_autoptr(Fetcher) fetcher = NULL;

        options.ca_file = TEST_TLS_DIR "/missing.pem";
        fetcher = fetcher_new(&options, &error);
        g_assert_null(fetcher);
        g_assert_error(error, PROV_ERROR, PROV_ERROR_CERTIFICATE);
}

static gboolean cancel_soon(gpointer user_data) {
        g_cancellable_cancel(user_data);
        return G_SOURCE_REMOVE;
}

static void test_cancel(Fixture *fixture, gconstpointer data) {
        g_autoptr(RawServer) raw = raw_server_start(RAW_NEVER_ANSWER);
        g_autofree char *url = raw_server_url(raw, "/x.xml");
        g_autoptr(GCancellable) cancellable = g_cancellable_new();
        FetchOptions options = default_options();
        g_autoptr(GError) error = NULL;

        options.file_timeout_seconds = 0;
        g_timeout_add(100, cancel_soon, cancellable);
        error = fetch_failure_cancellable(&options, url, cancellable);
        g_assert_error(error, PROV_ERROR, PROV_ERROR_CANCELLED);
}

static void test_cancelled_before_start(Fixture *fixture, gconstpointer data) {
        g_autofree char *url = server_url(fixture->plain, NULL, "/ok");
        g_autoptr(GCancellable) cancellable = g_cancellable_new();
        FetchOptions options = default_options();
        g_autoptr(GError) error = NULL;

        g_cancellable_cancel(cancellable);
        error = fetch_failure_cancellable(&options, url, cancellable);
        g_assert_error(error, PROV_ERROR, PROV_ERROR_CANCELLED);
}

#define ADD(name, func) g_test_add(name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
#define ADD_PLAIN_FAILURE(name, failure) \
        g_test_add(name, Fixture, &(failure), fixture_set_up, test_plain_fetch_fails, fixture_tear_down)

int main(int argc, char *argv[]) {
        int result;

        g_test_init(&argc, &argv, NULL);
        ADD("/fetch/ok-body", test_ok_body);
        ADD("/fetch/user-agent-arrives", test_user_agent_arrives);
        ADD("/fetch/http-404-is-download-error", test_http_404_is_download_error);
        ADD_PLAIN_FAILURE("/fetch/http-500-is-download-error", http_500_is_download_error);
        ADD("/fetch/error-message-hides-credentials", test_error_message_hides_credentials);
        ADD("/fetch/connection-refused", test_connection_refused);
        ADD("/fetch/never-answers-times-out", test_never_answers_times_out);
        ADD("/fetch/silent-server-hits-connect-timeout", test_silent_server_hits_connect_timeout);
        ADD("/fetch/slow-drip-times-out", test_slow_drip_times_out);
        ADD("/fetch/truncated-body", test_truncated_body);
        ADD("/fetch/body-over-cap-stops-transfer", test_body_over_cap_stops_transfer);
        ADD("/fetch/announced-size-over-cap-fails-before-reading",
            test_announced_size_over_cap_fails_before_reading);
        ADD("/fetch/body-at-cap-accepted", test_body_at_cap_accepted);
        ADD_PLAIN_FAILURE("/fetch/redirect-loop", redirect_loop);
        ADD_PLAIN_FAILURE("/fetch/too-many-redirects", too_many_redirects);
        ADD("/fetch/redirects-within-limit-followed", test_redirects_within_limit_followed);
        ADD_PLAIN_FAILURE("/fetch/redirect-to-other-scheme-refused", redirect_to_other_scheme_refused);
        ADD("/fetch/unsupported-scheme", test_unsupported_scheme);
        ADD("/fetch/basic-over-http-refused", test_basic_over_http_refused);
        ADD("/fetch/basic-over-https-accepted", test_basic_over_https_accepted);
        ADD("/fetch/digest-over-http-accepted", test_digest_over_http_accepted);
        ADD("/fetch/wrong-digest-password", test_wrong_digest_password);
        ADD_PLAIN_FAILURE("/fetch/missing-credentials", missing_credentials);
        ADD("/fetch/configured-credentials-stay-with-their-origin",
            test_configured_credentials_stay_with_their_origin);
        ADD("/fetch/userinfo-wins-over-options", test_userinfo_wins_over_options);
        ADD("/fetch/userinfo-stays-with-its-origin", test_userinfo_stays_with_its_origin);
        ADD("/fetch/configured-credentials-follow-a-redirect-at-their-origin",
            test_configured_credentials_follow_a_redirect_at_their_origin);
        ADD_PLAIN_FAILURE("/fetch/missing-credentials-says-none-configured",
                          missing_credentials_says_none_configured);
        ADD("/fetch/refused-credentials-are-named", test_refused_credentials_are_named);
        g_test_add_func("/fetch/origin-uses-the-default-port", test_origin_uses_the_default_port);
        ADD("/fetch/response-carries-final-url-and-metadata", test_response_carries_final_url_and_metadata);
        ADD("/fetch/final-url-keeps-userinfo-only-at-its-origin",
            test_final_url_keeps_userinfo_only_at_its_origin);
        ADD("/fetch/failure-after-redirect-names-both-urls", test_failure_after_redirect_names_both_urls);
        ADD("/fetch/untrusted-certificate", test_untrusted_certificate);
        ADD("/fetch/configured-ca-trusted", test_configured_ca_trusted);
        ADD("/fetch/unreadable-ca-file", test_unreadable_ca_file);
        ADD("/fetch/cancel", test_cancel);
        ADD("/fetch/cancelled-before-start", test_cancelled_before_start);
        result = g_test_run();
        worker_threads_stop_idle(3 * G_TIME_SPAN_SECOND);
        return result;
}
