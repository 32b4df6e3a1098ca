/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The SIP multicast PnP source against sipp playing the PnP server, inside the
 * network namespaces run-in-netns.sh makes: this one is the phone (10.250.0.1 on
 * the bridge PROVISIOND_TEST_MCAST_IF, multicast routed there), two more are
 * PBXes on that LAN (10.250.0.2 in PROVISIOND_TEST_PBX_A, 10.250.0.3 in
 * PROVISIOND_TEST_PBX_B). Both PBXes receive every SUBSCRIBE.
 */
#include <gio/gio.h>
#include <string.h>

#include "source-multicast.h"

#define PBX_A_ADDRESS "10.250.0.2"
#define PBX_B_ADDRESS "10.250.0.3"
/* Long enough for any loaded machine; a found URL ends the lookup long before. */
#define GENEROUS_WAIT_MS 30000

static const char *test_interface;
static const char *pbx_a;
static const char *pbx_b;

typedef struct {
        MulticastSource *source;
        GMainLoop *loop;
        char *url;
        char *responder;
        GError *error;
} Lookup;

static MulticastSource *source_new(guint wait_ms, gboolean https_only, gboolean on_interface) {
        MulticastConfig config = {
                .interface = on_interface ? test_interface : NULL,
                .wait_ms = wait_ms,
                .https_only = https_only,
                .vendor = "provisiond",
                .model = "D200",
                .version = "1.2.3",
                .mac = "00:04:f2:a1:b2:c3",
        };

        return multicast_source_new(&config);
}

static void on_found(GObject *object, GAsyncResult *result, gpointer user_data) {
        Lookup *lookup = user_data;

        lookup->url = multicast_source_find_finish(lookup->source, result, &lookup->responder, &lookup->error);
        g_main_loop_quit(lookup->loop);
}

static void lookup_start(Lookup *lookup, MulticastSource *source, GCancellable *cancellable) {
        lookup->source = source;
        lookup->loop = g_main_loop_new(NULL, FALSE);
        multicast_source_find_async(source, cancellable, on_found, lookup);
}

static void lookup_finish(Lookup *lookup) {
        g_main_loop_run(lookup->loop);
        g_main_loop_unref(lookup->loop);
}

static void lookup_clear(Lookup *lookup) {
        g_free(lookup->url);
        g_free(lookup->responder);
        g_clear_error(&lookup->error);
}

/* Blocks until a UDP socket listens on port 5060 in @netns: sipp is ready. */
static void wait_for_sip_port(const char *netns) {
        for (guint attempt = 0; attempt < 3000; attempt++) {
                g_autoptr(GError) error = NULL;
                g_autofree char *out = NULL;
                g_autoptr(GSubprocess)
                        ss = g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "ip", "netns", "exec",
                                              netns, "ss", "-Hlun", "sport = :5060", NULL);

                g_assert_no_error(error);
                g_subprocess_communicate_utf8(ss, NULL, NULL, &out, NULL, &error);
                g_assert_no_error(error);
                if (out != NULL && *out != '\0')
                        return;
                g_usleep(10 * 1000);
        }
        g_error("sipp did not open port 5060");
}

/* sipp as the PnP server in @netns playing @scenario; answers @url after @delay_ms. */
static GSubprocess *responder_start(const char *netns, const char *scenario, const char *url, guint delay_ms) {
        g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
        g_autofree char *path = g_build_filename(TEST_SOURCE_DIR, scenario, NULL);
        g_autofree char *delay = g_strdup_printf("%u", delay_ms);
        g_autofree char *huge = g_strnfill(9000, 'A');
        g_auto(GStrv) argv = NULL;
        g_autoptr(GError) error = NULL;
        GSubprocess *sipp;

        /* -nr: a NOTIFY is sent once, so the ignored ones can be counted. */
        g_strv_builder_addv(
                builder, (const char *[]){ "ip",   "netns", "exec",     netns,      "sipp", "-nr",
                                           "-sf",  path,    "-p",       "5060",     "-i",   "0.0.0.0",
                                           "-m",   "1",     "-nostdin", "-timeout", "60s",  "-timeout_error",
                                           "-d",   delay,   "-key",     "url",      url,    "-key",
                                           "huge", huge,    NULL });
        argv = g_strv_builder_end(builder);
        sipp = g_subprocess_newv((const char *const *) argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error);
        g_assert_no_error(error);
        wait_for_sip_port(netns);
        return sipp;
}

/* The server saw our 200 OK to its NOTIFY: its scenario ran to the end. */
static void responder_assert_completed(GSubprocess *sipp) {
        g_autoptr(GError) error = NULL;

        g_subprocess_wait_check(sipp, NULL, &error);
        g_assert_no_error(error);
}

static void responder_stop(GSubprocess *sipp) {
        g_subprocess_force_exit(sipp);
        g_subprocess_wait(sipp, NULL, NULL);
}

static void assert_found(Lookup *lookup, const char *url, const char *responder) {
        g_assert_no_error(lookup->error);
        g_assert_cmpstr(lookup->url, ==, url);
        g_assert_cmpstr(lookup->responder, ==, responder);
}

static void assert_reason_says(const GError *error, const char *fact) {
        g_assert_nonnull(error);
        if (strstr(error->message, fact) == NULL)
                g_error("reason \"%s\" does not say \"%s\"", error->message, fact);
}

static gboolean skip_outside_netns(void) {
        if (test_interface != NULL && pbx_a != NULL && pbx_b != NULL)
                return FALSE;
        g_test_skip("needs the network namespaces of tests/sip/run-in-netns.sh");
        return TRUE;
}

/* One PnP server answers with a usable URL, and the lookup takes it. */
typedef struct {
        const char *scenario;
        const char *url;
        gboolean on_pbx_b;     /* the server runs on PBX B (else on PBX A) */
        gboolean on_interface; /* the source names its interface (else the routing table picks it) */
        gboolean late;         /* the server starts after the first SUBSCRIBE went out */
} FoundCase;

static const FoundCase responder_url_is_taken = {
        .scenario = "pnp-responder.xml",
        .url = "http://10.250.0.2:8080/prov/{mac}.xml",
        .on_interface = TRUE,
};
/* No interface configured: the routing table picks it, as on a phone with one LAN port. */
static const FoundCase route_choice_without_interface = {
        .scenario = "pnp-responder.xml",
        .url = "https://pbx.example/prov/",
        .on_pbx_b = TRUE,
};
static const FoundCase external_body_url_is_taken = {
        .scenario = "pnp-responder-external-body.xml",
        .url = "https://pbx.example:8443/D200.xml",
        .on_pbx_b = TRUE,
        .on_interface = TRUE,
};
/* The first SUBSCRIBE goes out before the server listens; a retransmission (T1 doubling) reaches it. */
static const FoundCase retransmission_reaches_a_late_responder = {
        .scenario = "pnp-responder.xml",
        .url = "http://late.example/",
        .on_pbx_b = TRUE,
        .on_interface = TRUE,
        .late = TRUE,
};
static const FoundCase hostile_notifies_are_ignored = {
        .scenario = "pnp-hostile.xml",
        .url = "http://after.hostile.example/",
        .on_pbx_b = TRUE,
        .on_interface = TRUE,
};

static void test_url_is_found(gconstpointer data) {
        const FoundCase *found = data;
        const char *netns = found->on_pbx_b ? pbx_b : pbx_a;
        g_autoptr(MulticastSource) source = NULL;
        g_autoptr(GSubprocess) sipp = NULL;
        Lookup lookup = { 0 };

        if (skip_outside_netns())
                return;
        source = source_new(GENEROUS_WAIT_MS, FALSE, found->on_interface);
        if (!found->late)
                sipp = responder_start(netns, found->scenario, found->url, 0);
        lookup_start(&lookup, source, NULL);
        if (found->late)
                sipp = responder_start(netns, found->scenario, found->url, 0);
        lookup_finish(&lookup);
        assert_found(&lookup, found->url, found->on_pbx_b ? PBX_B_ADDRESS ":5060" : PBX_A_ADDRESS ":5060");
        responder_assert_completed(sipp);
        lookup_clear(&lookup);
}

/* Two servers answer; the one that holds its NOTIFY back loses, whichever namespace it is in. */
static void run_first_answer_wins(const char *fast_netns, const char *slow_netns, const char *fast_responder) {
        g_autoptr(MulticastSource) source = source_new(GENEROUS_WAIT_MS, FALSE, TRUE);
        g_autoptr(GSubprocess) fast = NULL;
        g_autoptr(GSubprocess) slow = NULL;
        Lookup lookup = { 0 };

        fast = responder_start(fast_netns, "pnp-responder.xml", "http://fast.example/prov/", 0);
        slow = responder_start(slow_netns, "pnp-responder.xml", "http://slow.example/prov/", 20000);
        lookup_start(&lookup, source, NULL);
        lookup_finish(&lookup);
        assert_found(&lookup, "http://fast.example/prov/", fast_responder);
        responder_assert_completed(fast);
        responder_stop(slow);
        lookup_clear(&lookup);
}

static void test_first_answer_wins(void) {
        if (skip_outside_netns())
                return;
        run_first_answer_wins(pbx_a, pbx_b, PBX_A_ADDRESS ":5060");
        run_first_answer_wins(pbx_b, pbx_a, PBX_B_ADDRESS ":5060");
}

/* The lookup ended without a URL: the wait ran out. */
static void assert_no_answer(Lookup *lookup) {
        g_assert_null(lookup->url);
        g_assert_error(lookup->error, MULTICAST_SOURCE_ERROR, MULTICAST_SOURCE_ERROR_NO_ANSWER);
}

static void test_no_responder_names_the_wait(void) {
        g_autoptr(MulticastSource) source = NULL;
        Lookup lookup = { 0 };

        if (skip_outside_netns())
                return;
        source = source_new(1000, FALSE, TRUE);
        lookup_start(&lookup, source, NULL);
        lookup_finish(&lookup);
        assert_no_answer(&lookup);
        g_assert_cmpstr(lookup.error->message, ==, "no answer from 224.0.1.75:5060 within 1 s");
        lookup_clear(&lookup);
}

/* A server on PBX B plays @scenario with @url; the lookup (5 s wait) finds nothing usable. */
static void lookup_refusing(Lookup *lookup, gboolean https_only, const char *scenario, const char *url) {
        g_autoptr(MulticastSource) source = source_new(5000, https_only, TRUE);
        g_autoptr(GSubprocess) sipp = responder_start(pbx_b, scenario, url, 0);

        lookup_start(lookup, source, NULL);
        lookup_finish(lookup);
        assert_no_answer(lookup);
        responder_stop(sipp);
}

/* Only hostile NOTIFYs: the wait ends cleanly and the reason lists each one with its sender. */
static void test_hostile_only_times_out_with_reasons(void) {
        Lookup lookup = { 0 };

        if (skip_outside_netns())
                return;
        lookup_refusing(&lookup, FALSE, "pnp-hostile.xml", "ftp://10.250.0.99/last");
        assert_reason_says(lookup.error, "no answer from 224.0.1.75:5060 within 5 s");
        assert_reason_says(lookup.error,
                           PBX_B_ADDRESS ":5060 accepted the SUBSCRIBE but sent no usable NOTIFY");
        assert_reason_says(lookup.error, "; ignored ");
        assert_reason_says(lookup.error, PBX_B_ADDRESS ":5060: unsupported URL tftp://10.250.0.99/boot.cfg");
        assert_reason_says(lookup.error, "message longer than 8192 bytes");
        assert_reason_says(lookup.error, "Call-ID guessed-");
        assert_reason_says(lookup.error, "event check-sync");
        assert_reason_says(lookup.error, "NUL byte in the message");
        assert_reason_says(lookup.error, "not a SIP message");
        assert_reason_says(lookup.error, "unsupported URL ftp://10.250.0.99/last");
        lookup_clear(&lookup);
}

static void test_https_only_refuses_http(void) {
        Lookup lookup = { 0 };

        if (skip_outside_netns())
                return;
        lookup_refusing(&lookup, TRUE, "pnp-responder.xml", "http://plain.example/");
        assert_reason_says(lookup.error, PBX_B_ADDRESS ":5060: NOTIFY with a plain http URL, and only https");
        lookup_clear(&lookup);
}

static gboolean cancel_now(gpointer user_data) {
        g_cancellable_cancel(user_data);
        return G_SOURCE_REMOVE;
}

static void test_cancel_ends_the_lookup(void) {
        g_autoptr(MulticastSource) source = NULL;
        g_autoptr(GCancellable) cancellable = g_cancellable_new();
        Lookup lookup = { 0 };

        if (skip_outside_netns())
                return;
        source = source_new(GENEROUS_WAIT_MS * 10, FALSE, TRUE);
        lookup_start(&lookup, source, cancellable);
        g_idle_add(cancel_now, cancellable);
        lookup_finish(&lookup);
        g_assert_null(lookup.url);
        g_assert_error(lookup.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
        lookup_clear(&lookup);
}

static void run_config_error(MulticastSource *source, int code, const char *fact) {
        Lookup lookup = { 0 };

        lookup_start(&lookup, source, NULL);
        lookup_finish(&lookup);
        g_assert_error(lookup.error, MULTICAST_SOURCE_ERROR, code);
        assert_reason_says(lookup.error, fact);
        lookup_clear(&lookup);
}

static void test_bad_configuration_is_named(void) {
        MulticastConfig config = {
                .vendor = "provisiond", .model = "D200", .version = "1", .mac = "00:04:f2:a1:b2:c3"
        };
        g_autoptr(MulticastSource) unicast_group = NULL;
        g_autoptr(MulticastSource) no_interface = NULL;
        g_autoptr(MulticastSource) no_mac = NULL;

        if (skip_outside_netns())
                return;
        config.group = "10.250.0.2";
        unicast_group = multicast_source_new(&config);
        run_config_error(unicast_group, MULTICAST_SOURCE_ERROR_CONFIG,
                         "10.250.0.2 is not an IPv4 multicast group");
        config.group = NULL;
        config.interface = "nosuch0";
        no_interface = multicast_source_new(&config);
        run_config_error(no_interface, MULTICAST_SOURCE_ERROR_NETWORK,
                         "interface nosuch0 has no IPv4 address");
        config.interface = NULL;
        config.mac = "";
        no_mac = multicast_source_new(&config);
        run_config_error(no_mac, MULTICAST_SOURCE_ERROR_CONFIG, "not a MAC address");
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        test_interface = g_getenv("PROVISIOND_TEST_MCAST_IF");
        pbx_a = g_getenv("PROVISIOND_TEST_PBX_A");
        pbx_b = g_getenv("PROVISIOND_TEST_PBX_B");
        g_test_add_data_func("/source-multicast/responder-url-is-taken", &responder_url_is_taken,
                             test_url_is_found);
        g_test_add_data_func("/source-multicast/route-choice-without-interface",
                             &route_choice_without_interface, test_url_is_found);
        g_test_add_data_func("/source-multicast/external-body-url-is-taken", &external_body_url_is_taken,
                             test_url_is_found);
        g_test_add_func("/source-multicast/first-answer-wins", test_first_answer_wins);
        g_test_add_func("/source-multicast/no-responder-names-the-wait", test_no_responder_names_the_wait);
        g_test_add_data_func("/source-multicast/retransmission-reaches-a-late-responder",
                             &retransmission_reaches_a_late_responder, test_url_is_found);
        g_test_add_data_func("/source-multicast/hostile-notifies-are-ignored", &hostile_notifies_are_ignored,
                             test_url_is_found);
        g_test_add_func("/source-multicast/hostile-only-times-out-with-reasons",
                        test_hostile_only_times_out_with_reasons);
        g_test_add_func("/source-multicast/https-only-refuses-http", test_https_only_refuses_http);
        g_test_add_func("/source-multicast/cancel-ends-the-lookup", test_cancel_ends_the_lookup);
        g_test_add_func("/source-multicast/bad-configuration-is-named", test_bad_configuration_is_named);
        return g_test_run();
}
