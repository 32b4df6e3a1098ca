/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* provisionctl: the engineer's command line for provisiond, on top of libprovision. */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib.h>

#include "provision.h"

enum {
        EXIT_OK = 0,
        EXIT_REFUSED = 1,     /* the daemon refused or failed the request */
        EXIT_USAGE = 2,       /* bad command line */
        EXIT_UNREACHABLE = 3, /* cannot connect to the bus or reach the daemon */
};

#define EXIT_CODES_HELP                                                              \
        "Exit status:\n"                                                             \
        "  0  success (start: the run finished)\n"                                   \
        "  1  the daemon refused or failed the request (start: the run failed, or\n" \
        "     waiting for it was interrupted; cancel: no run was active)\n"          \
        "  2  usage error\n"                                                         \
        "  3  cannot connect to the bus or reach the daemon\n"

static gboolean arg_system;
static gboolean arg_session;
static char *arg_address;
static gboolean arg_version;
static gboolean arg_json;
static char *arg_output;
static char *arg_url;
static char *arg_trigger;
static gboolean arg_no_wait;

static const GOptionEntry global_options[] = {
        { "system", 0, 0, G_OPTION_ARG_NONE, &arg_system, "Talk to provisiond on the system bus (default)",
          NULL },
        { "session", 0, 0, G_OPTION_ARG_NONE, &arg_session, "Talk to provisiond on the session bus", NULL },
        { "address", 0, 0, G_OPTION_ARG_STRING, &arg_address, "Talk to provisiond on the bus at ADDRESS",
          "ADDRESS" },
        { "version", 0, 0, G_OPTION_ARG_NONE, &arg_version, "Show the version and exit", NULL },
        { NULL },
};

static const GOptionEntry status_options[] = {
        { "json", 0, 0, G_OPTION_ARG_NONE, &arg_json, "Print the status dictionary as a JSON object", NULL },
        { NULL },
};

static const GOptionEntry backup_options[] = {
        { "output", 'o', 0, G_OPTION_ARG_FILENAME, &arg_output, "Write the backup to FILE instead of stdout",
          "FILE" },
        { NULL },
};

static const GOptionEntry start_options[] = {
        { "url", 0, 0, G_OPTION_ARG_STRING, &arg_url,
          "Provision from URL, not the configured one; may hold markers like {mac}", "URL" },
        { "trigger", 0, 0, G_OPTION_ARG_STRING, &arg_trigger,
          "Record TRIGGER as what started the run (default: manual)", "TRIGGER" },
        { "no-wait", 0, 0, G_OPTION_ARG_NONE, &arg_no_wait, "Print the run id and return at once", NULL },
        { NULL },
};

/* The bus errors that mean "the daemon is not there", as opposed to "it said no". */
static const char *const unreachable_error_names[] = {
        "org.freedesktop.DBus.Error.ServiceUnknown",
        "org.freedesktop.DBus.Error.NameHasNoOwner",
        "org.freedesktop.DBus.Error.NoReply",
        "org.freedesktop.DBus.Error.Timeout",
        "org.freedesktop.DBus.Error.Disconnected",
        "org.freedesktop.DBus.Error.NoServer",
        "System.Error.ENOTCONN",
};

static int exit_code_for_error(const GError *error) {
        if (!g_error_matches(error, PROV_ERROR, PROV_ERROR_FAILED))
                return EXIT_REFUSED;
        /* Unnamed errors carry their bus error name as the message's prefix. */
        for (size_t i = 0; i < G_N_ELEMENTS(unreachable_error_names); i++)
                if (g_str_has_prefix(error->message, unreachable_error_names[i]))
                        return EXIT_UNREACHABLE;
        return EXIT_REFUSED;
}

/* Prints "provisionctl: NAME: message"; errors without a name of ours already
 * start with the bus error name. Returns the exit code for @error. */
static int report_error(const GError *error) {
        const char *name = NULL;

        if (error->domain == PROV_ERROR)
                name = prov_error_to_dbus_name(error->code);
        if (name != NULL)
                g_printerr("%s: %s: %s\n", g_get_prgname(), name, error->message);
        else
                g_printerr("%s: %s\n", g_get_prgname(), error->message);
        return exit_code_for_error(error);
}

/* ---- status ---------------------------------------------------------------------------- */

static char *format_timestamp(guint64 usec_since_epoch) {
        g_autoptr(GDateTime) time = NULL;

        if (usec_since_epoch == 0)
                return g_strdup("never");
        time = g_date_time_new_from_unix_local((gint64) (usec_since_epoch / G_USEC_PER_SEC));
        if (time == NULL)
                return g_strdup_printf("%" G_GUINT64_FORMAT " µs since the epoch", usec_since_epoch);
        return g_date_time_format(time, "%FT%T%:z");
}

#define LABEL_FORMAT "%19s: "

static const char *string_or_none(const char *value) {
        return value[0] != '\0' ? value : "none";
}

/* The active run, or the last one. */
static void print_run_lines(const ProvStatus *status) {
        if (status->run_id == 0)
                g_print(LABEL_FORMAT "none\n", "Run id");
        else
                g_print(LABEL_FORMAT "%" G_GUINT64_FORMAT "\n", "Run id", status->run_id);
        g_print(LABEL_FORMAT "%s\n", "Trigger", string_or_none(status->trigger));
        g_print(LABEL_FORMAT "%s\n", "Url", string_or_none(status->url));
        g_print(LABEL_FORMAT "%u%%\n", "Progress", status->progress);
        g_print(LABEL_FORMAT "%u\n", "Files fetched", status->files_fetched);
        g_print(LABEL_FORMAT "%" G_GUINT64_FORMAT "\n", "Bytes fetched", status->bytes_fetched);
}

static void print_run_times(const ProvStatus *status) {
        g_autofree char *last_run_started = format_timestamp(status->last_run_started);
        g_autofree char *last_run_finished = format_timestamp(status->last_run_finished);
        g_autofree char *last_success = format_timestamp(status->last_success);

        g_print(LABEL_FORMAT "%s\n", "Last run started", last_run_started);
        g_print(LABEL_FORMAT "%s\n", "Last run finished", last_run_finished);
        g_print(LABEL_FORMAT "%s\n", "Last success", last_success);
}

static void print_status_lines(const ProvStatus *status) {
        g_autofree char *last_change = format_timestamp(status->last_change);

        g_print(LABEL_FORMAT "%s\n", "State", status->state);
        print_run_lines(status);
        g_print(LABEL_FORMAT "%s\n", "Last result", status->last_result);
        if (status->last_error_name[0] == '\0')
                g_print(LABEL_FORMAT "none\n", "Last error");
        else
                g_print(LABEL_FORMAT "%s: %s\n", "Last error", status->last_error_name,
                        status->last_error_message);
        if (status->last_warnings[0] == NULL)
                g_print(LABEL_FORMAT "none\n", "Warnings");
        for (size_t i = 0; status->last_warnings[i] != NULL; i++)
                if (i == 0)
                        g_print(LABEL_FORMAT "%s\n", "Warnings", status->last_warnings[i]);
                else
                        g_print("%21s%s\n", "", status->last_warnings[i]); /* under the first one */
        print_run_times(status);
        g_print(LABEL_FORMAT "%s\n", "Last change", last_change);
        g_print(LABEL_FORMAT "%" G_GUINT64_FORMAT "\n", "Settings generation", status->settings_generation);
}

static void append_json_string(GString *json, const char *value) {
        g_string_append_c(json, '"');
        for (const char *p = value; *p != '\0'; p++) {
                unsigned char c = (unsigned char) *p;

                if (c == '"' || c == '\\')
                        g_string_append_printf(json, "\\%c", c);
                else if (c == '\n')
                        g_string_append(json, "\\n");
                else if (c == '\t')
                        g_string_append(json, "\\t");
                else if (c < 0x20 || c == 0x7f)
                        g_string_append_printf(json, "\\u%04x", c);
                else
                        g_string_append_c(json, (char) c); /* D-Bus strings are valid UTF-8 */
        }
        g_string_append_c(json, '"');
}

/* The value types GetStatus uses; anything else becomes null. */
static void append_json_value(GString *json, GVariant *value) {
        if (g_variant_is_of_type(value, G_VARIANT_TYPE_STRING)) {
                append_json_string(json, g_variant_get_string(value, NULL));
        } else if (g_variant_is_of_type(value, G_VARIANT_TYPE_UINT64)) {
                g_string_append_printf(json, "%" G_GUINT64_FORMAT, g_variant_get_uint64(value));
        } else if (g_variant_is_of_type(value, G_VARIANT_TYPE_UINT32)) {
                g_string_append_printf(json, "%" G_GUINT32_FORMAT, g_variant_get_uint32(value));
        } else if (g_variant_is_of_type(value, G_VARIANT_TYPE_BOOLEAN)) {
                g_string_append(json, g_variant_get_boolean(value) ? "true" : "false");
        } else if (g_variant_is_of_type(value, G_VARIANT_TYPE("(ss)"))) {
                const char *name, *message;

                g_variant_get(value, "(&s&s)", &name, &message);
                g_string_append(json, "{\"name\": ");
                append_json_string(json, name);
                g_string_append(json, ", \"message\": ");
                append_json_string(json, message);
                g_string_append_c(json, '}');
        } else if (g_variant_is_of_type(value, G_VARIANT_TYPE_ARRAY)) {
                g_string_append_c(json, '[');
                for (gsize i = 0; i < g_variant_n_children(value); i++) {
                        g_autoptr(GVariant) element = g_variant_get_child_value(value, i);

                        if (i > 0)
                                g_string_append(json, ", ");
                        append_json_value(json, element);
                }
                g_string_append_c(json, ']');
        } else {
                g_string_append(json, "null");
        }
}

static void print_status_json(const ProvStatus *status) {
        g_autoptr(GString) json = g_string_new("{");
        GVariantIter iter;
        const char *key;
        GVariant *value;
        gboolean first = TRUE;

        g_variant_iter_init(&iter, status->raw);
        while (g_variant_iter_loop(&iter, "{&sv}", &key, &value)) {
                g_string_append(json, first ? "\n  " : ",\n  ");
                append_json_string(json, key);
                g_string_append(json, ": ");
                append_json_value(json, value);
                first = FALSE;
        }
        g_string_append(json, "\n}\n");
        fputs(json->str, stdout);
}

static int command_status(ProvClient *client, char **args) {
        g_autoptr(GError) error = NULL;
        g_autoptr(ProvStatus) status = prov_client_get_status(client, &error);

        if (status == NULL)
                return report_error(error);
        if (arg_json)
                print_status_json(status);
        else
                print_status_lines(status);
        return EXIT_OK;
}

/* ---- apply ----------------------------------------------------------------------------- */

/* The warnings of the apply that just finished (e.g. stripped unknown elements). */
static void print_last_warnings(ProvClient *client) {
        g_autoptr(GError) error = NULL;
        g_autoptr(ProvStatus) status = prov_client_get_status(client, &error);

        if (status == NULL) {
                /* The settings are applied already; only the warnings are lost. */
                g_printerr("%s: cannot read the warnings: %s\n", g_get_prgname(), error->message);
                return;
        }
        for (size_t i = 0; status->last_warnings[i] != NULL; i++)
                g_printerr("warning: %s\n", status->last_warnings[i]);
}

/* The line apply and start print for each changed section. */
static void print_section_change(const char *section, const char *version, const char *how) {
        g_print("%s %s %s\n", section, version, how);
}

static int command_apply(ProvClient *client, char **args) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) changes = NULL;

        if (!prov_client_apply_file(client, args[0], &changes, &error))
                return report_error(error);
        if (changes->len == 0)
                g_print("no changes\n");
        for (guint i = 0; i < changes->len; i++) {
                const ProvSectionChange *change = g_ptr_array_index(changes, i);
                print_section_change(change->section, change->version, change->how);
        }
        print_last_warnings(client);
        return EXIT_OK;
}

/* ---- start and cancel ------------------------------------------------------------------ */

/* How often start checks that its run is still active: a daemon that died or
 * was restarted meanwhile sends no Failed signal. */
#define RUN_CHECK_INTERVAL_SECONDS 5
#define PROGRESS_BAR_CELLS 10
#define DEFAULT_TERMINAL_COLUMNS 80

typedef struct {
        ProvClient *client;
        GMainLoop *loop;
        guint check_id; /* of check_run_active() */
        guint64 run_id;
        gboolean progress_bar;  /* stdout is a terminal: one progress line redrawn in place */
        char *progress_line;    /* the bar on screen, NULL when none */
        gboolean finished;      /* Finished came; else @error says why the wait ended */
        guint sections_changed;
        GError *error;
        gboolean run_seen_over; /* the last status check found the run over, but no signal had come */
} RunWait;

static gboolean stdout_is_terminal(void) {
        return isatty(STDOUT_FILENO) && g_strcmp0(g_getenv("TERM"), "dumb") != 0;
}

static guint terminal_columns(void) {
        struct winsize size = { 0 };

        if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) < 0 || size.ws_col == 0)
                return DEFAULT_TERMINAL_COLUMNS;
        return size.ws_col;
}

/* " 50% downloading file 2 of 4 http://host/x.xml" */
static void append_progress_text(GString *text, guint percent, const char *stage, const char *detail) {
        g_string_append_printf(text, "%3u%% %s", percent, stage);
        if (detail[0] != '\0')
                g_string_append_printf(text, " %s", detail);
}

/* "[#####     ]  50% downloading file 2 of 4 http://host/x.xml", cut to the
 * terminal's width: a wrapped line could not be redrawn in place. */
static char *format_progress_bar(guint percent, const char *stage, const char *detail) {
        guint filled = MIN(percent, 100) * PROGRESS_BAR_CELLS / 100;
        glong max_length = (glong) terminal_columns() - 1;
        GString *bar = g_string_new("[");

        for (guint cell = 0; cell < PROGRESS_BAR_CELLS; cell++)
                g_string_append_c(bar, cell < filled ? '#' : ' ');
        g_string_append(bar, "] ");
        append_progress_text(bar, percent, stage, detail);
        if (g_utf8_strlen(bar->str, -1) > max_length)
                g_string_truncate(bar, (gsize) (g_utf8_offset_to_pointer(bar->str, max_length) - bar->str));
        return g_string_free(bar, FALSE);
}

/* Moves the cursor back over the bar and erases it ("\033[K": to the end of the line). */
static void erase_progress_bar(const RunWait *wait) {
        if (wait->progress_line != NULL)
                fputs("\r\033[K", stdout);
}

static void draw_progress_bar(const RunWait *wait) {
        if (wait->progress_line != NULL)
                fputs(wait->progress_line, stdout);
        fflush(stdout);
}

/* Leaves the last bar on screen and moves below it, before the closing lines. */
static void end_progress_bar(RunWait *wait) {
        if (wait->progress_line != NULL)
                fputc('\n', stdout);
        g_clear_pointer(&wait->progress_line, g_free);
}

static void on_run_progress(guint64 run_id, const char *stage, guint percent, const char *detail,
                            gpointer user_data) {
        RunWait *wait = user_data;

        if (run_id != wait->run_id)
                return;
        if (!wait->progress_bar) {
                g_autoptr(GString) line = g_string_new(NULL);

                append_progress_text(line, percent, stage, detail);
                g_print("%s\n", line->str);
                fflush(stdout);
                return;
        }
        erase_progress_bar(wait);
        g_free(wait->progress_line);
        wait->progress_line = format_progress_bar(percent, stage, detail);
        draw_progress_bar(wait);
}

static void on_run_section_applied(guint64 run_id, const char *section, const char *version, const char *how,
                                   gpointer user_data) {
        RunWait *wait = user_data;

        if (run_id != wait->run_id)
                return;
        erase_progress_bar(wait);
        print_section_change(section, version, how);
        draw_progress_bar(wait);
}

static void on_run_failed(guint64 run_id, const char *error_name, const char *message, gpointer user_data) {
        RunWait *wait = user_data;

        if (run_id != wait->run_id)
                return;
        g_clear_error(&wait->error);
        prov_error_set_from_dbus_name(&wait->error, error_name, message);
        g_main_loop_quit(wait->loop);
}

static void on_run_finished(guint64 run_id, guint sections_changed, gpointer user_data) {
        RunWait *wait = user_data;

        if (run_id != wait->run_id)
                return;
        wait->finished = TRUE;
        wait->sections_changed = sections_changed;
        g_main_loop_quit(wait->loop);
}

/* Ends the wait with an error if the run is over without its Failed or
 * Finished signal. A signal may still be queued when the status first says
 * "over", so that is only believed on the next check. */
static gboolean check_run_active(gpointer user_data) {
        RunWait *wait = user_data;
        g_autoptr(GError) error = NULL;
        g_autoptr(ProvStatus) status = NULL;

        status = prov_client_get_status(wait->client, &error);
        if (status == NULL) {
                g_propagate_error(&wait->error, g_steal_pointer(&error));
                g_main_loop_quit(wait->loop);
                wait->check_id = 0;
                return G_SOURCE_REMOVE;
        }
        if (status->run_id == wait->run_id && g_str_equal(status->state, "running")) {
                wait->run_seen_over = FALSE;
                return G_SOURCE_CONTINUE;
        }
        if (!wait->run_seen_over) {
                wait->run_seen_over = TRUE;
                return G_SOURCE_CONTINUE;
        }
        g_set_error(&wait->error, PROV_ERROR, PROV_ERROR_FAILED,
                    "run %" G_GUINT64_FORMAT " is no longer active, but it sent no Finished or Failed signal "
                    "(was provisiond restarted?)",
                    wait->run_id);
        g_main_loop_quit(wait->loop);
        wait->check_id = 0;
        return G_SOURCE_REMOVE;
}

/* Interrupting the wait leaves the run going: say so, and how to stop it. */
static gboolean stop_waiting(gpointer user_data) {
        RunWait *wait = user_data;

        g_clear_error(&wait->error);
        g_set_error(&wait->error, PROV_ERROR, PROV_ERROR_FAILED,
                    "stopped waiting; run %" G_GUINT64_FORMAT " goes on (\"provisionctl cancel\" cancels it)",
                    wait->run_id);
        g_main_loop_quit(wait->loop);
        return G_SOURCE_CONTINUE;
}

static void wait_for_run_end(RunWait *wait) {
        guint sigint_id = g_unix_signal_add(SIGINT, stop_waiting, wait);
        guint sigterm_id = g_unix_signal_add(SIGTERM, stop_waiting, wait);

        wait->check_id = g_timeout_add_seconds(RUN_CHECK_INTERVAL_SECONDS, check_run_active, wait);
        g_main_loop_run(wait->loop);
        g_clear_handle_id(&wait->check_id, g_source_remove);
        g_source_remove(sigterm_id);
        g_source_remove(sigint_id);
        end_progress_bar(wait);
}

static int start_and_wait(ProvClient *client) {
        static const ProvSignalHandlers handlers = {
                .section_applied = on_run_section_applied,
                .progress = on_run_progress,
                .failed = on_run_failed,
                .finished = on_run_finished,
        };
        g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
        g_autoptr(GError) error = NULL;
        RunWait wait = { .client = client, .loop = loop, .progress_bar = stdout_is_terminal() };

        /* Subscribe first: a fast run may be over before StartProvisioning's reply arrives. */
        if (!prov_client_subscribe(client, &handlers, &wait, &error) ||
            !prov_client_start(client, arg_url, arg_trigger, &wait.run_id, &error))
                return report_error(error);
        prov_client_attach(client, NULL);
        wait_for_run_end(&wait);

        error = g_steal_pointer(&wait.error);
        if (!wait.finished)
                return report_error(error);
        g_print("Finished: %u section(s) changed\n", wait.sections_changed);
        print_last_warnings(client);
        return EXIT_OK;
}

static int command_start(ProvClient *client, char **args) {
        g_autoptr(GError) error = NULL;
        guint64 run_id;

        if (!arg_no_wait)
                return start_and_wait(client);
        if (!prov_client_start(client, arg_url, arg_trigger, &run_id, &error))
                return report_error(error);
        g_print("%" G_GUINT64_FORMAT "\n", run_id);
        return EXIT_OK;
}

static int command_cancel(ProvClient *client, char **args) {
        g_autoptr(GError) error = NULL;

        if (!prov_client_cancel(client, &error))
                return report_error(error);
        return EXIT_OK;
}

/* ---- backup ---------------------------------------------------------------------------- */

static gboolean write_all(int fd, const char *data, size_t length, GError **error) {
        while (length > 0) {
                ssize_t written = write(fd, data, length);

                if (written < 0 && errno == EINTR)
                        continue;
                if (written < 0) {
                        int saved_errno = errno;
                        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved_errno), "%s",
                                    g_strerror(saved_errno));
                        return FALSE;
                }
                data += written;
                length -= (size_t) written;
        }
        return TRUE;
}

/* Writes FILE.tmp and renames it, so that FILE is never half written. The mode
 * is 0600: a backup holds the account passwords. */
static gboolean write_file_atomically(const char *path, const char *contents, GError **error) {
        g_autofree char *temp_path = g_strconcat(path, ".tmp", NULL);
        gboolean written;
        int fd;

        fd = open(temp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) {
                int saved_errno = errno;
                g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved_errno),
                            "Cannot create %s: %s", temp_path, g_strerror(saved_errno));
                return FALSE;
        }
        written = write_all(fd, contents, strlen(contents), error) && fsync(fd) == 0;
        if (close(fd) < 0 || !written || rename(temp_path, path) < 0) {
                int saved_errno = errno;
                if (error != NULL && *error == NULL)
                        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved_errno),
                                    "Cannot write %s: %s", path, g_strerror(saved_errno));
                unlink(temp_path);
                return FALSE;
        }
        return TRUE;
}

static int command_backup(ProvClient *client, char **args) {
        g_autoptr(GError) error = NULL;
        g_autofree char *xml = prov_client_backup(client, (const char *const *) args, &error);

        if (xml == NULL)
                return report_error(error);
        if (arg_output == NULL) {
                fputs(xml, stdout);
                if (!g_str_has_suffix(xml, "\n"))
                        fputc('\n', stdout);
                return EXIT_OK;
        }
        if (!write_file_atomically(arg_output, xml, &error)) {
                g_printerr("%s: %s\n", g_get_prgname(), error->message);
                return EXIT_REFUSED;
        }
        return EXIT_OK;
}

/* ---- monitor --------------------------------------------------------------------------- */

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

static int command_monitor(ProvClient *client, char **args) {
        static const ProvSignalHandlers handlers = {
                .section_applied = print_section_applied,
                .progress = print_progress,
                .failed = print_failed,
                .finished = print_finished,
        };
        g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
        g_autoptr(GError) error = NULL;
        guint sigint_id, sigterm_id;

        if (!prov_client_subscribe(client, &handlers, NULL, &error))
                return report_error(error);
        prov_client_attach(client, NULL);

        sigint_id = g_unix_signal_add(SIGINT, quit_on_signal, loop);
        sigterm_id = g_unix_signal_add(SIGTERM, quit_on_signal, loop);
        g_main_loop_run(loop);
        g_source_remove(sigint_id);
        g_source_remove(sigterm_id);
        return EXIT_OK;
}

/* ---- command line ---------------------------------------------------------------------- */

typedef struct {
        const char *name;
        const char *parameters; /* for the usage line, after the command name */
        const char *summary;
        const GOptionEntry *options; /* NULL: none */
        int min_args;
        int max_args; /* -1: any number */
        int (*run)(ProvClient *client, char **args);
} Command;

static const Command commands[] = {
        { "status", "", "Show the daemon's status", status_options, 0, 0, command_status },
        { "start", "", "Start a provisioning run and wait for its end", start_options, 0, 0, command_start },
        { "cancel", "", "Cancel the active provisioning run", NULL, 0, 0, command_cancel },
        { "apply", "FILE", "Apply the provisioning document FILE (e.g. a backup)", NULL, 1, 1, command_apply },
        { "backup", "[SECTION…]", "Print a backup of the named sections, or of all", backup_options, 0, -1,
          command_backup },
        { "monitor", "", "Print the daemon's signals until interrupted", NULL, 0, 0, command_monitor },
};

static const Command *find_command(const char *name) {
        for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
                if (g_str_equal(commands[i].name, name))
                        return &commands[i];
        return NULL;
}

static char *commands_help(void) {
        GString *help = g_string_new("Commands:\n");

        for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
                g_autofree char *usage = g_strdup_printf("%s %s", commands[i].name, commands[i].parameters);
                /* pad by characters, not bytes: the usage may hold "…" */
                glong padding = MAX(0, 21 - g_utf8_strlen(usage, -1));
                g_string_append_printf(help, "  %s%*s%s\n", usage, (int) padding, "", commands[i].summary);
        }
        g_string_append(help, "\nRun \"provisionctl COMMAND --help\" for the options of a command.");
        return g_string_free(help, FALSE);
}

G_GNUC_PRINTF(1, 2) static int usage_error(const char *format, ...) {
        g_autofree char *message = NULL;
        va_list args;

        va_start(args, format);
        message = g_strdup_vprintf(format, args);
        va_end(args);
        g_printerr("%s: %s\nTry \"%s --help\".\n", g_get_prgname(), message, g_get_prgname());
        return EXIT_USAGE;
}

/* Parses the options before the command; leaves the command and its arguments in @argv. */
static int parse_global_options(int *argc, char ***argv) {
        g_autoptr(GOptionContext) context = g_option_context_new("COMMAND [ARGUMENT…]");
        g_autoptr(GError) error = NULL;
        g_autofree char *summary = commands_help();

        g_option_context_add_main_entries(context, global_options, NULL);
        g_option_context_set_summary(context, summary);
        g_option_context_set_description(context, EXIT_CODES_HELP);
        /* Stop at the command: what follows are the command's own options. */
        g_option_context_set_strict_posix(context, TRUE);
        if (!g_option_context_parse(context, argc, argv, &error))
                return usage_error("%s", error->message);
        if (arg_system + arg_session + (arg_address != NULL) > 1)
                return usage_error("--system, --session and --address exclude each other");
        return EXIT_OK;
}

/* Parses the command's options in @argv (which starts with the command name). */
static int parse_command_options(const Command *command, int *argc, char ***argv) {
        g_autofree char *parameters = g_strdup_printf("%s %s", command->name, command->parameters);
        g_autoptr(GOptionContext) context = g_option_context_new(parameters);
        g_autoptr(GError) error = NULL;
        int arg_count;

        g_option_context_set_summary(context, command->summary);
        g_option_context_set_description(context, EXIT_CODES_HELP);
        if (command->options != NULL)
                g_option_context_add_main_entries(context, command->options, NULL);
        if (!g_option_context_parse(context, argc, argv, &error))
                return usage_error("%s", error->message);

        arg_count = *argc - 1;
        if (arg_count < command->min_args)
                return usage_error("missing argument");
        if (command->max_args >= 0 && arg_count > command->max_args)
                return usage_error("too many arguments");
        return EXIT_OK;
}

static ProvClient *connect_client(GError **error) {
        if (arg_address != NULL)
                return prov_client_new_for_address(arg_address, error);
        return prov_client_new(arg_session ? PROV_BUS_SESSION : PROV_BUS_SYSTEM, error);
}

int main(int argc, char **argv) {
        g_autoptr(GError) error = NULL;
        g_autoptr(ProvClient) client = NULL;
        const Command *command;
        int r;

        setlocale(LC_ALL, "");
        g_set_prgname("provisionctl");

        r = parse_global_options(&argc, &argv);
        if (r != EXIT_OK)
                return r;
        if (arg_version) {
                g_print("provisionctl %s\n", PROVISIOND_VERSION);
                return EXIT_OK;
        }
        if (argc < 2)
                return usage_error("missing command");
        command = find_command(argv[1]);
        if (command == NULL)
                return usage_error("unknown command \"%s\"", argv[1]);

        argc--;
        argv++;
        r = parse_command_options(command, &argc, &argv);
        if (r != EXIT_OK)
                return r;

        client = connect_client(&error);
        if (client == NULL) {
                g_printerr("%s: %s\n", g_get_prgname(), error->message);
                return EXIT_UNREACHABLE;
        }
        return command->run(client, argv + 1);
}
