/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The sd-bus GSource: calls, timeouts and disconnects are dispatched from a GLib main loop. */
#include <glib.h>
#include <sys/socket.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-id128.h>
#include <unistd.h>

#include "prov-bus-source.h"
#include "prov-sd-bus-cleanup.h"

typedef struct {
        sd_bus *server;
        sd_bus *client;
        GSource *server_source;
        GSource *client_source;
        GMainLoop *loop;
        gboolean client_lost;
} Peers;

static int method_echo(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        const char *text;
        int r = sd_bus_message_read(message, "s", &text);

        if (r < 0)
                return r;
        return sd_bus_reply_method_return(message, "s", text);
}

/* Never answers, so that the caller's timeout has to fire. */
static int method_ignore(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        return 1;
}

static const sd_bus_vtable test_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("Echo", "s", "s", method_echo, 0),
        SD_BUS_METHOD("Ignore", "", "", method_ignore, 0),
        SD_BUS_VTABLE_END,
};

static gboolean on_client_lost(gpointer user_data) {
        Peers *peers = user_data;

        peers->client_lost = TRUE;
        g_main_loop_quit(peers->loop);
        return G_SOURCE_REMOVE;
}

static void peers_set_up(Peers *peers, gconstpointer data) {
        sd_id128_t id;
        int fds[2];

        g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds), ==, 0);
        g_assert_cmpint(sd_id128_randomize(&id), ==, 0);

        g_assert_cmpint(sd_bus_new(&peers->server), >=, 0);
        g_assert_cmpint(sd_bus_set_fd(peers->server, fds[0], fds[0]), >=, 0);
        g_assert_cmpint(sd_bus_set_server(peers->server, 1, id), >=, 0);
        g_assert_cmpint(sd_bus_set_anonymous(peers->server, 1), >=, 0);
        g_assert_cmpint(sd_bus_add_object_vtable(peers->server, NULL, "/test", "org.test", test_vtable, NULL), >=, 0);
        g_assert_cmpint(sd_bus_start(peers->server), >=, 0);

        g_assert_cmpint(sd_bus_new(&peers->client), >=, 0);
        g_assert_cmpint(sd_bus_set_fd(peers->client, fds[1], fds[1]), >=, 0);
        g_assert_cmpint(sd_bus_set_anonymous(peers->client, 1), >=, 0);
        g_assert_cmpint(sd_bus_start(peers->client), >=, 0);

        peers->loop = g_main_loop_new(NULL, FALSE);
        peers->server_source = prov_bus_source_new(peers->server);
        g_source_attach(peers->server_source, NULL);
        peers->client_source = prov_bus_source_new(peers->client);
        g_source_set_callback(peers->client_source, on_client_lost, peers, NULL);
        g_source_attach(peers->client_source, NULL);
}

static void peers_tear_down(Peers *peers, gconstpointer data) {
        g_source_destroy(peers->server_source);
        g_source_unref(peers->server_source);
        g_source_destroy(peers->client_source);
        g_source_unref(peers->client_source);
        g_clear_pointer(&peers->server, sd_bus_flush_close_unref);
        g_clear_pointer(&peers->client, sd_bus_flush_close_unref);
        g_main_loop_unref(peers->loop);
}

static gboolean on_give_up(gpointer user_data) {
        g_error("the main loop did not deliver in time");
        return G_SOURCE_REMOVE;
}

static void run_loop(Peers *peers) {
        guint give_up = g_timeout_add_seconds(10, on_give_up, NULL);

        g_main_loop_run(peers->loop);
        g_source_remove(give_up);
}

typedef struct {
        Peers *peers;
        char *answer;
        char *error_name;
} CallResult;

static int on_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        CallResult *result = userdata;
        const sd_bus_error *error = sd_bus_message_get_error(reply);
        const char *text;

        if (error != NULL)
                result->error_name = g_strdup(error->name);
        else if (sd_bus_message_read(reply, "s", &text) >= 0)
                result->answer = g_strdup(text);
        g_main_loop_quit(result->peers->loop);
        return 0;
}

static void test_call_round_trip(Peers *peers, gconstpointer data) {
        CallResult result = { .peers = peers };
        g_autoptr(sd_bus_slot) slot = NULL;

        g_assert_cmpint(sd_bus_call_method_async(peers->client, &slot, NULL, "/test", "org.test", "Echo", on_reply,
                                                 &result, "s", "hello"),
                        >=, 0);
        run_loop(peers);
        g_assert_null(result.error_name);
        g_assert_cmpstr(result.answer, ==, "hello");
        g_free(result.answer);
}

static void test_timeout_fires(Peers *peers, gconstpointer data) {
        CallResult result = { .peers = peers };
        g_autoptr(sd_bus_message) call = NULL;
        g_autoptr(sd_bus_slot) slot = NULL;

        g_assert_cmpint(sd_bus_message_new_method_call(peers->client, &call, NULL, "/test", "org.test", "Ignore"), >=, 0);
        g_assert_cmpint(sd_bus_call_async(peers->client, &slot, call, on_reply, &result, 100 * 1000), >=, 0);
        run_loop(peers);
        g_assert_cmpstr(result.error_name, ==, SD_BUS_ERROR_NO_REPLY);
        g_free(result.error_name);
}

static void test_disconnect_calls_callback(Peers *peers, gconstpointer data) {
        g_source_destroy(peers->server_source);
        g_clear_pointer(&peers->server, sd_bus_flush_close_unref);
        run_loop(peers);
        g_assert_true(peers->client_lost);
}

static gboolean on_idle_over(gpointer user_data) {
        *(gboolean *)user_data = TRUE;
        return G_SOURCE_REMOVE;
}

/* An idle connection must not wake the loop: only the final timeout may. */
static void test_idle_does_not_wake(Peers *peers, gconstpointer data) {
        gboolean over = FALSE;
        guint iterations = 0;

        /* Let the connection settle (authentication is done by now, queues are empty). */
        while (g_main_context_iteration(NULL, FALSE))
                ;
        g_timeout_add(300, on_idle_over, &over);
        while (!over) {
                g_main_context_iteration(NULL, TRUE);
                iterations++;
        }
        g_assert_cmpuint(iterations, <=, 3);
}

#define ADD(name, func) g_test_add(name, Peers, NULL, peers_set_up, func, peers_tear_down)

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        ADD("/bus-source/call-round-trip", test_call_round_trip);
        ADD("/bus-source/timeout-fires", test_timeout_fires);
        ADD("/bus-source/disconnect-calls-callback", test_disconnect_calls_callback);
        ADD("/bus-source/idle-does-not-wake", test_idle_does_not_wake);
        return g_test_run();
}
