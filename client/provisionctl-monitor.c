/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* provisionctl monitor: the daemon's signals as one line each, until interrupted. */
#include <glib.h>

#include "provisionctl.h"

typedef struct {
        GMainLoop *loop;
        int exit_code;
} Monitor;

/* g_print() flushed the line: whoever reads a pipe from us gets each event
 * when it happens. Output that cannot be written ends the monitor (main()
 * reports it). */
static void stop_if_output_lost(Monitor *monitor) {
        if (!flush_output())
                g_main_loop_quit(monitor->loop);
}

/* Prints one event: @plain and @json are the parts after the signal's name.
 * Plain lines are "Name key=value …"; free text is quoted as a JSON string, so
 * that every line splits at its spaces. JSON: one object per line. */
static void print_event(Monitor *monitor, const char *signal, GString *plain, GString *json) {
        if (arg_json)
                g_print("{\"signal\": \"%s\", %s}\n", signal, json->str);
        else
                g_print("%s %s\n", signal, plain->str);
        stop_if_output_lost(monitor);
}

static void print_section_applied(guint64 run_id, const char *section, const char *version, const char *how,
                                  gpointer user_data) {
        g_autoptr(GString) plain = g_string_new(NULL);
        g_autoptr(GString) json = g_string_new(NULL);

        g_string_printf(plain, "run=%" G_GUINT64_FORMAT " section=%s version=%s how=%s", run_id, section,
                        version, how);
        g_string_printf(json, "\"run_id\": %" G_GUINT64_FORMAT ", \"section\": ", run_id);
        append_json_string(json, section);
        g_string_append(json, ", \"version\": ");
        append_json_string(json, version);
        g_string_append(json, ", \"how\": ");
        append_json_string(json, how);
        print_event(user_data, "SectionApplied", plain, json);
}

static void print_progress(guint64 run_id, const char *stage, guint percent, const char *detail,
                           gpointer user_data) {
        g_autoptr(GString) plain = g_string_new(NULL);
        g_autoptr(GString) json = g_string_new(NULL);

        g_string_printf(plain, "run=%" G_GUINT64_FORMAT " stage=%s percent=%u detail=", run_id, stage,
                        percent);
        append_json_string(plain, detail);
        g_string_printf(json, "\"run_id\": %" G_GUINT64_FORMAT ", \"stage\": ", run_id);
        append_json_string(json, stage);
        g_string_append_printf(json, ", \"percent\": %u, \"detail\": ", percent);
        append_json_string(json, detail);
        print_event(user_data, "Progress", plain, json);
}

static void print_failed(guint64 run_id, const char *error_name, const char *message, gpointer user_data) {
        g_autoptr(GString) plain = g_string_new(NULL);
        g_autoptr(GString) json = g_string_new(NULL);

        g_string_printf(plain, "run=%" G_GUINT64_FORMAT " error=%s message=", run_id, error_name);
        append_json_string(plain, message);
        g_string_printf(json, "\"run_id\": %" G_GUINT64_FORMAT ", \"error\": ", run_id);
        append_json_error(json, error_name, message);
        print_event(user_data, "Failed", plain, json);
}

static void print_finished(guint64 run_id, guint sections_changed, gpointer user_data) {
        g_autoptr(GString) plain = g_string_new(NULL);
        g_autoptr(GString) json = g_string_new(NULL);

        g_string_printf(plain, "run=%" G_GUINT64_FORMAT " sections=%u", run_id, sections_changed);
        g_string_printf(json, "\"run_id\": %" G_GUINT64_FORMAT ", \"sections_changed\": %u", run_id,
                        sections_changed);
        print_event(user_data, "Finished", plain, json);
}

/* Without a bus no signal can come any more: waiting on would hang forever. */
static void stop_on_disconnect(gpointer user_data) {
        Monitor *monitor = user_data;
        g_autoptr(GError) error = g_error_new_literal(PROV_ERROR, PROV_ERROR_UNREACHABLE,
                                                      "lost the connection to the bus");

        monitor->exit_code = report_error(error);
        g_main_loop_quit(monitor->loop);
}

static gboolean quit_on_signal(gpointer user_data) {
        Monitor *monitor = user_data;

        g_main_loop_quit(monitor->loop);
        return G_SOURCE_CONTINUE;
}

int command_monitor(ProvClient *client, char **args) {
        static const ProvSignalHandlers handlers = {
                .section_applied = print_section_applied,
                .progress = print_progress,
                .failed = print_failed,
                .finished = print_finished,
                .disconnected = stop_on_disconnect,
        };
        g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
        g_autoptr(GError) error = NULL;
        g_autoptr(ProvStatus) status = NULL;
        Monitor monitor = { .loop = loop, .exit_code = EXIT_OK };

        if (!prov_client_subscribe(client, &handlers, &monitor, &error))
                return report_error(error);
        /* Signals would only come from a daemon that runs (or can be started): say at once if none does. */
        status = prov_client_get_status(client, &error);
        if (status == NULL)
                return report_error(error);
        prov_client_attach(client, NULL);
        run_loop_until_quit(loop, quit_on_signal, &monitor);
        return monitor.exit_code;
}
