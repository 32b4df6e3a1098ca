/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* provisionctl monitor: the daemon's signals as one line each, until interrupted. */
#include <stdio.h>

#include <glib.h>

#include "provisionctl.h"

static void print_section_applied(guint64 run_id, const char *section, const char *version, const char *how,
                                  gpointer user_data) {
        g_print("SectionApplied run=%" G_GUINT64_FORMAT " section=%s version=%s how=%s\n", run_id, section,
                version, how);
        /* Whoever reads a pipe from us wants each event when it happens. */
        fflush(stdout);
}

static void print_progress(guint64 run_id, const char *stage, guint percent, const char *detail,
                           gpointer user_data) {
        g_print("Progress run=%" G_GUINT64_FORMAT " stage=%s percent=%u detail=%s\n", run_id, stage, percent,
                detail);
        fflush(stdout);
}

static void print_failed(guint64 run_id, const char *error_name, const char *message, gpointer user_data) {
        g_print("Failed run=%" G_GUINT64_FORMAT " error=%s message=%s\n", run_id, error_name, message);
        fflush(stdout);
}

static void print_finished(guint64 run_id, guint sections_changed, gpointer user_data) {
        g_print("Finished run=%" G_GUINT64_FORMAT " sections=%u\n", run_id, sections_changed);
        fflush(stdout);
}

static gboolean quit_on_signal(gpointer user_data) {
        g_main_loop_quit(user_data);
        return G_SOURCE_CONTINUE;
}

int command_monitor(ProvClient *client, char **args) {
        static const ProvSignalHandlers handlers = {
                .section_applied = print_section_applied,
                .progress = print_progress,
                .failed = print_failed,
                .finished = print_finished,
        };
        g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
        g_autoptr(GError) error = NULL;

        if (!prov_client_subscribe(client, &handlers, NULL, &error))
                return report_error(error);
        prov_client_attach(client, NULL);
        run_loop_until_quit(loop, quit_on_signal, loop);
        return EXIT_OK;
}
