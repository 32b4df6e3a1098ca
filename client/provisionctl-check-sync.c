/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* provisionctl check-sync: what the SIP stack does for a NOTIFY with Event: check-sync, by hand. */
#include <glib.h>

#include "provisionctl.h"

static char *arg_sender;
static char *arg_event;
static char *arg_body_file;
static char *arg_content_type;

const GOptionEntry check_sync_options[] = {
        { "sender", 0, 0, G_OPTION_ARG_STRING, &arg_sender,
          "The NOTIFY's source address (required), checked against the allowlist", "ADDRESS" },
        { "event", 0, 0, G_OPTION_ARG_STRING, &arg_event,
          "The Event header (default: check-sync), e.g. \"check-sync;reboot=false\"", "EVENT" },
        { "body-file", 0, 0, G_OPTION_ARG_FILENAME, &arg_body_file,
          "The NOTIFY's body: a notifySync document, or a patch or operations document", "FILE" },
        { "content-type", 0, 0, G_OPTION_ARG_STRING, &arg_content_type,
          "The body's Content-Type (default: application/xml)", "TYPE" },
        { NULL },
};

/* The daemon says what it did in LastCheckSync. */
static void print_outcome(ProvClient *client) {
        g_autoptr(GError) error = NULL;
        g_autoptr(ProvStatus) status = prov_client_get_status(client, &error);

        if (status == NULL) {
                g_printerr("%s: cannot read what was done: %s\n", g_get_prgname(), error->message);
                return;
        }
        g_print("%s\n", status->last_check_sync_reason);
}

int command_check_sync(ProvClient *client, char **args) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GBytes) body = NULL;

        if (arg_sender == NULL || arg_sender[0] == '\0') {
                g_printerr("%s: check-sync needs --sender ADDRESS\n", g_get_prgname());
                return EXIT_USAGE;
        }
        if (arg_body_file != NULL) {
                g_autofree char *contents = NULL;
                gsize length = 0;

                if (!g_file_get_contents(arg_body_file, &contents, &length, &error)) {
                        g_printerr("%s: %s\n", g_get_prgname(), error->message);
                        return EXIT_REFUSED;
                }
                body = g_bytes_new_take(g_steal_pointer(&contents), length);
        }
        if (!prov_client_check_sync(client, arg_sender, arg_event != NULL ? arg_event : "check-sync",
                                    arg_content_type != NULL ? arg_content_type : "application/xml", body,
                                    &error))
                return report_error(error);
        print_outcome(client);
        return EXIT_OK;
}
