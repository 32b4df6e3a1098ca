/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* provisionctl dhcp: what the DHCP client hooks call to hand their options to the daemon. */
#include <glib.h>
#include <string.h>

#include "provisionctl.h"

static char *arg_interface;
static char **arg_options;

const GOptionEntry dhcp_options[] = {
        { "interface", 'i', 0, G_OPTION_ARG_STRING, &arg_interface,
          "The interface the lease is for (required)", "IF" },
        { "option", 'o', 0, G_OPTION_ARG_STRING_ARRAY, &arg_options,
          "DHCP option CODE (e.g. 66, 67, 43) has VALUE; repeat for more. An empty VALUE is left out; "
          "no option at all forgets the interface's options",
          "CODE=VALUE" },
        { NULL },
};

static int dhcp_usage_error(const char *message, const char *argument) {
        g_printerr("provisionctl: dhcp: %s%s%s\nTry \"provisionctl dhcp --help\".\n", message,
                   argument != NULL ? ": " : "", argument != NULL ? argument : "");
        return EXIT_USAGE;
}

/* Adds "CODE=VALUE" to @options; FALSE if it is not of that form. */
static gboolean add_option(GHashTable *options, const char *argument) {
        g_autofree char *code_text = NULL;
        const char *equals = strchr(argument, '=');
        guint64 code;

        if (equals == NULL)
                return FALSE;
        code_text = g_strndup(argument, (gsize) (equals - argument));
        if (!g_ascii_string_to_unsigned(code_text, 10, 1, 254, &code, NULL))
                return FALSE;
        /* Hooks pass every option they know; the client had no value for this one. */
        if (equals[1] != '\0')
                g_hash_table_replace(options, GUINT_TO_POINTER((guint) code), g_strdup(equals + 1));
        return TRUE;
}

int command_dhcp(ProvClient *client, char **args) {
        g_autoptr(GHashTable) options = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
        g_autoptr(GError) error = NULL;

        (void) args;
        if (arg_interface == NULL)
                return dhcp_usage_error("--interface is required", NULL);
        for (gsize i = 0; arg_options != NULL && arg_options[i] != NULL; i++)
                if (!add_option(options, arg_options[i]))
                        return dhcp_usage_error("--option needs CODE=VALUE with CODE from 1 to 254",
                                                arg_options[i]);
        if (!prov_client_set_dhcp_options(client, arg_interface, options, &error))
                return report_error(error);
        return EXIT_OK;
}
