/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* provisionctl's output, shared by the commands: stdout that remembers a failed write, the
 * warnings of an apply or run, the loop a waiting command runs. */
#include <errno.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>

#include "provisionctl.h"

gboolean arg_json;

GStrv get_last_warnings(ProvClient *client) {
        g_autoptr(GError) error = NULL;
        g_autoptr(ProvStatus) status = prov_client_get_status(client, &error);

        if (status == NULL) {
                /* The settings are applied already; only the warnings are lost. */
                g_printerr("%s: cannot read the warnings: %s\n", g_get_prgname(), error->message);
                return g_new0(char *, 1);
        }
        return g_strdupv(status->last_warnings);
}

/* The warnings of the apply or run that just finished (e.g. stripped unknown elements). */
void print_last_warnings(ProvClient *client) {
        g_auto(GStrv) warnings = get_last_warnings(client);

        for (size_t i = 0; warnings[i] != NULL; i++)
                g_printerr("warning: %s\n", warnings[i]);
}

/* The errno of the first failed write to stdout; 0: none failed. */
static int output_errno;

static void remember_output_error(void) {
        if (output_errno == 0)
                output_errno = errno != 0 ? errno : EIO;
}

void print_raw(const char *text) {
        errno = 0;
        if (fputs(text, stdout) == EOF)
                remember_output_error();
}

/* g_print()'s handler: as GLib's own, it converts to the terminal's charset
 * and flushes at once (so that stdout and stderr stay in order), but it
 * remembers the errno of a failed write. */
static void print_to_stdout(const char *string) {
        g_autofree char *converted = NULL;
        const char *charset;

        if (!g_get_console_charset(&charset))
                converted = g_convert_with_fallback(string, -1, charset, "UTF-8", "?", NULL, NULL, NULL);
        print_raw(converted != NULL ? converted : string);
        flush_output();
}

gboolean flush_output(void) {
        errno = 0;
        if (fflush(stdout) == 0 && !ferror(stdout))
                return TRUE;
        remember_output_error();
        return FALSE;
}

void print_section_change(const char *section, const char *version, const char *how) {
        g_print("%s %s %s\n", section, version, how);
}

void run_loop_until_quit(GMainLoop *loop, GSourceFunc on_interrupt, gpointer user_data) {
        guint sigint_id = g_unix_signal_add(SIGINT, on_interrupt, user_data);
        guint sigterm_id = g_unix_signal_add(SIGTERM, on_interrupt, user_data);

        g_main_loop_run(loop);
        g_source_remove(sigterm_id);
        g_source_remove(sigint_id);
}

void install_print_handler(void) {
        g_set_print_handler(print_to_stdout);
}

int output_error(void) {
        return output_errno;
}
