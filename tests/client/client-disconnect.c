/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libprovision when the bus goes away, and its size-safe subscription: each
 * test starts its own dbus-daemon (no provisiond on it), connects a client and
 * stops the bus under it.
 */
#include <signal.h>
#include <stddef.h>

#include <gio/gio.h>
#include <provision.h>

#define WAIT_SECONDS 10

typedef struct {
        GSubprocess *daemon;
        char *address;
} PrivateBus;

static void private_bus_start(PrivateBus *bus) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GDataInputStream) output = NULL;
        g_autofree char *line = NULL;

        bus->daemon = g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "dbus-daemon", "--session",
                                       "--nofork", "--print-address=1", NULL);
        g_assert_no_error(error);
        output = g_data_input_stream_new(g_subprocess_get_stdout_pipe(bus->daemon));
        line = g_data_input_stream_read_line(output, NULL, NULL, &error);
        g_assert_no_error(error);
        g_assert_nonnull(line);
        bus->address = g_strdup(g_strstrip(line));
}

static void private_bus_stop(PrivateBus *bus) {
        g_autoptr(GError) error = NULL;

        g_subprocess_send_signal(bus->daemon, SIGTERM);
        g_assert_true(g_subprocess_wait(bus->daemon, NULL, &error));
        g_assert_no_error(error);
}

static void private_bus_clear(PrivateBus *bus) {
        g_clear_object(&bus->daemon);
        g_clear_pointer(&bus->address, g_free);
}

typedef struct {
        GMainLoop *loop;
        guint disconnected_calls;
} Watch;

static void on_disconnected(gpointer user_data) {
        Watch *watch = user_data;

        watch->disconnected_calls++;
        g_main_loop_quit(watch->loop);
}

static void must_not_be_called(gpointer user_data) {
        g_assert_not_reached();
}

static gboolean on_timeout(gpointer user_data) {
        g_main_loop_quit(user_data);
        return G_SOURCE_REMOVE;
}

/* Runs the loop until a handler quits it, or WAIT_SECONDS pass. */
static void run_loop_bounded(GMainLoop *loop) {
        guint timeout_id = g_timeout_add_seconds(WAIT_SECONDS, on_timeout, loop);

        g_main_loop_run(loop);
        g_source_remove(timeout_id);
}

/* Dispatches what is ready now, without waiting. */
static void dispatch_pending(void) {
        while (g_main_context_iteration(NULL, FALSE))
                ;
}

static void assert_call_unreachable(ProvClient *client) {
        g_autoptr(GError) error = NULL;
        g_autoptr(ProvStatus) status = prov_client_get_status(client, &error);

        g_assert_null(status);
        g_assert_error(error, PROV_ERROR, PROV_ERROR_UNREACHABLE);
        g_test_message("unreachable: %s", error->message);
}

static ProvClient *client_new(const PrivateBus *bus) {
        g_autoptr(GError) error = NULL;
        ProvClient *client = prov_client_new_for_address(bus->address, &error);

        g_assert_no_error(error);
        return client;
}

static void test_disconnected_is_called_once_when_the_bus_stops(void) {
        static const ProvSignalHandlers handlers = { .disconnected = on_disconnected };
        g_autoptr(GError) error = NULL;
        g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
        g_autoptr(ProvClient) client = NULL;
        PrivateBus bus = { 0 };
        Watch watch = { .loop = loop };

        private_bus_start(&bus);
        client = client_new(&bus);
        g_assert_true(prov_client_subscribe(client, &handlers, &watch, &error));
        g_assert_no_error(error);
        prov_client_attach(client, NULL);
        dispatch_pending();
        g_assert_cmpuint(watch.disconnected_calls, ==, 0);

        private_bus_stop(&bus);
        run_loop_bounded(loop);
        g_assert_cmpuint(watch.disconnected_calls, ==, 1);

        assert_call_unreachable(client);
        prov_client_attach(client, NULL);
        dispatch_pending();
        g_assert_cmpuint(watch.disconnected_calls, ==, 1);
        private_bus_clear(&bus);
}

/* A call that finds the connection gone comes first; the loss still reaches the handler. */
static void test_attach_after_the_loss_reports_it(void) {
        static const ProvSignalHandlers handlers = { .disconnected = on_disconnected };
        g_autoptr(GError) error = NULL;
        g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
        g_autoptr(ProvClient) client = NULL;
        PrivateBus bus = { 0 };
        Watch watch = { .loop = loop };

        private_bus_start(&bus);
        client = client_new(&bus);
        g_assert_true(prov_client_subscribe(client, &handlers, &watch, &error));
        g_assert_no_error(error);
        private_bus_stop(&bus);

        assert_call_unreachable(client);
        assert_call_unreachable(client);
        prov_client_attach(client, NULL);
        run_loop_bounded(loop);
        g_assert_cmpuint(watch.disconnected_calls, ==, 1);
        private_bus_clear(&bus);
}

static void test_call_without_the_daemon_is_unreachable(void) {
        g_autoptr(GError) error = NULL;
        g_autoptr(ProvClient) client = NULL;
        g_autofree char *xml = NULL;
        PrivateBus bus = { 0 };

        private_bus_start(&bus);
        client = client_new(&bus);
        xml = prov_client_backup(client, NULL, &error);
        g_assert_null(xml);
        g_assert_error(error, PROV_ERROR, PROV_ERROR_UNREACHABLE);
        g_assert_true(g_str_has_prefix(error->message, "org.freedesktop.DBus.Error.ServiceUnknown: "));
        g_assert_null(prov_error_to_dbus_name(PROV_ERROR_UNREACHABLE));
        g_clear_pointer(&client, prov_client_free);
        private_bus_stop(&bus);
        private_bus_clear(&bus);
}

/* A caller built against an older provision.h: its struct ends before
 * .disconnected, and what lies beyond must not be read. */
static void test_subscribe_copies_only_the_callers_members(void) {
        static const ProvSignalHandlers handlers = { .disconnected = must_not_be_called };
        g_autoptr(GError) error = NULL;
        g_autoptr(ProvClient) client = NULL;
        PrivateBus bus = { 0 };

        private_bus_start(&bus);
        client = client_new(&bus);
        g_assert_true(prov_client_subscribe_sized(client, &handlers,
                                                  offsetof(ProvSignalHandlers, disconnected), NULL, &error));
        g_assert_no_error(error);
        private_bus_stop(&bus);
        assert_call_unreachable(client);
        prov_client_attach(client, NULL);
        dispatch_pending();
        private_bus_clear(&bus);
}

/* A caller built against a newer provision.h: members this library does not know are ignored. */
static void test_subscribe_accepts_a_newer_struct(void) {
        static const struct {
                ProvSignalHandlers known;
                void (*newer)(gpointer user_data);
        } handlers = { .known = { .disconnected = on_disconnected }, .newer = must_not_be_called };
        g_autoptr(GError) error = NULL;
        g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
        g_autoptr(ProvClient) client = NULL;
        PrivateBus bus = { 0 };
        Watch watch = { .loop = loop };

        private_bus_start(&bus);
        client = client_new(&bus);
        g_assert_true(prov_client_subscribe_sized(client, &handlers.known, sizeof(handlers), &watch, &error));
        g_assert_no_error(error);
        prov_client_attach(client, NULL);
        private_bus_stop(&bus);
        run_loop_bounded(loop);
        g_assert_cmpuint(watch.disconnected_calls, ==, 1);
        private_bus_clear(&bus);
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/disconnect/handler-called-once-when-the-bus-stops",
                        test_disconnected_is_called_once_when_the_bus_stops);
        g_test_add_func("/disconnect/attach-after-the-loss-reports-it", test_attach_after_the_loss_reports_it);
        g_test_add_func("/disconnect/call-without-the-daemon-is-unreachable",
                        test_call_without_the_daemon_is_unreachable);
        g_test_add_func("/subscribe/copies-only-the-callers-members",
                        test_subscribe_copies_only_the_callers_members);
        g_test_add_func("/subscribe/accepts-a-newer-struct", test_subscribe_accepts_a_newer_struct);
        return g_test_run();
}
