/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * precondition-wait CONFIG: runs the real preconditions module the way a run
 * will, with the [Preconditions] of the provisiond.conf at CONFIG, and prints
 * one line per event on stdout (flushed, for test_preconditions.py):
 *
 *   stage waiting-for-network        the wait for a precondition started
 *   met                              both met (exit 0)
 *   failed NAME: MESSAGE             the wait failed (exit 1); NAME is the D-Bus error name
 *
 * Exit 2: CONFIG cannot be loaded.
 */
#include <stdio.h>

#include "daemon-config.h"
#include "preconditions.h"
#include "provision.h"

typedef struct {
        GMainLoop *loop;
        int exit_status;
} Waiter;

static void on_stage(const char *stage, gpointer user_data) {
        printf("stage %s\n", stage);
        fflush(stdout);
}

static void on_finished(GObject *source, GAsyncResult *result, gpointer user_data) {
        Waiter *waiter = user_data;
        g_autoptr(GError) error = NULL;

        if (preconditions_wait_finish(result, &error)) {
                printf("met\n");
                waiter->exit_status = 0;
        } else {
                const char *name = error->domain == PROV_ERROR ? prov_error_to_dbus_name(error->code) : NULL;

                printf("failed %s: %s\n", name != NULL ? name : g_quark_to_string(error->domain),
                       error->message);
                waiter->exit_status = 1;
        }
        fflush(stdout);
        g_main_loop_quit(waiter->loop);
}

int main(int argc, char **argv) {
        g_autoptr(DaemonConfig) config = daemon_config_new_default();
        g_autoptr(GError) error = NULL;
        g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
        Waiter waiter = { .loop = loop, .exit_status = 1 };

        if (argc != 2) {
                fprintf(stderr, "usage: %s PROVISIOND-CONF\n", argv[0]);
                return 2;
        }
        if (!daemon_config_load_file(config, argv[1], TRUE, &error)) {
                fprintf(stderr, "%s\n", error->message);
                return 2;
        }
        preconditions_wait_async(&config->preconditions, NULL, on_stage, on_finished, &waiter);
        g_main_loop_run(loop);
        return waiter.exit_status;
}
