/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* provisionctl start and cancel: starting a run, waiting for its end with a progress bar, cancelling it. */
#include <sys/ioctl.h>
#include <unistd.h>

#include <glib.h>

#include "provisionctl.h"

static char *arg_url;
static char *arg_trigger;
static gboolean arg_no_wait;

const GOptionEntry start_options[] = {
        { "url", 0, 0, G_OPTION_ARG_STRING, &arg_url,
          "Provision from URL, not the configured one; may hold markers like {mac}", "URL" },
        { "trigger", 0, 0, G_OPTION_ARG_STRING, &arg_trigger,
          "Record TRIGGER as what started the run (default: manual)", "TRIGGER" },
        { "no-wait", 0, 0, G_OPTION_ARG_NONE, &arg_no_wait, "Print the run id and return at once", NULL },
        { NULL },
};

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
        gboolean progress_bar; /* stdout is a terminal: one progress line redrawn in place */
        char *progress_line;   /* the bar on screen, NULL when none */
        gboolean finished;     /* Finished came; else @error says why the wait ended */
        guint sections_changed;
        GPtrArray *changes; /* of ProvSectionChange: the run's SectionApplied, for --json */
        char *failed_name;  /* of the Failed signal, for --json; NULL: none came */
        char *failed_message;
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
                print_raw("\r\033[K");
}

/* One write for the erased and the new bar: no flicker. */
static void draw_progress_bar(const RunWait *wait) {
        if (wait->progress_line != NULL)
                print_raw(wait->progress_line);
        flush_output();
}

/* Leaves the last bar on screen and moves below it, before the closing lines. */
static void end_progress_bar(RunWait *wait) {
        if (wait->progress_line != NULL)
                print_raw("\n");
        g_clear_pointer(&wait->progress_line, g_free);
}

static void on_run_progress(guint64 run_id, const char *stage, guint percent, const char *detail,
                            gpointer user_data) {
        RunWait *wait = user_data;

        if (run_id != wait->run_id || arg_json)
                return;
        if (!wait->progress_bar) {
                g_autoptr(GString) line = g_string_new(NULL);

                append_progress_text(line, percent, stage, detail);
                g_print("%s\n", line->str);
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
        if (arg_json) {
                ProvSectionChange *change = g_new0(ProvSectionChange, 1);

                change->section = g_strdup(section);
                change->version = g_strdup(version);
                change->how = g_strdup(how);
                g_ptr_array_add(wait->changes, change);
                return;
        }
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
        g_free(wait->failed_name);
        wait->failed_name = g_strdup(error_name);
        g_free(wait->failed_message);
        wait->failed_message = g_strdup(message);
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

/* No signal of the run can come any more, and its status cannot be asked. */
static void on_run_disconnected(gpointer user_data) {
        RunWait *wait = user_data;

        g_clear_error(&wait->error);
        g_set_error(&wait->error, PROV_ERROR, PROV_ERROR_UNREACHABLE,
                    "lost the connection to the bus; run %" G_GUINT64_FORMAT " may go on", wait->run_id);
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
                    "run %" G_GUINT64_FORMAT
                    " is no longer active, but it sent no Finished or Failed signal "
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
        wait->check_id = g_timeout_add_seconds(RUN_CHECK_INTERVAL_SECONDS, check_run_active, wait);
        run_loop_until_quit(wait->loop, stop_waiting, wait);
        g_clear_handle_id(&wait->check_id, g_source_remove);
        end_progress_bar(wait);
}

/* StartProvisioning refused: Busy says which run is in the way; say what to do about it. */
static int report_start_error(const GError *error) {
        int code = report_error(error);

        if (g_error_matches(error, PROV_ERROR, PROV_ERROR_BUSY))
                g_printerr("%s: the run from --url was not started; wait for the active run or stop it with "
                           "'%s cancel'\n",
                           g_get_prgname(), g_get_prgname());
        return code;
}

/* The run's end as one object:
 * {"run_id": N, "result": "finished", "sections_changed": N, "changed": […], "warnings": […]}
 * or {"run_id": N, "result": "failed"|"cancelled", "error": {"name": …, "message": …}}.
 * Only for a run that sent Finished or Failed. */
static void print_run_end_json(ProvClient *client, const RunWait *wait) {
        g_autoptr(GString) json = g_string_new(NULL);

        g_string_printf(json, "{\"run_id\": %" G_GUINT64_FORMAT ", \"result\": ", wait->run_id);
        if (wait->finished) {
                g_auto(GStrv) warnings = get_last_warnings(client);

                g_string_append_printf(
                        json, "\"finished\", \"sections_changed\": %u, \"changed\": ", wait->sections_changed);
                append_json_section_changes(json, wait->changes);
                g_string_append(json, ", \"warnings\": ");
                append_json_strv(json, (const char *const *) warnings);
        } else {
                gboolean cancelled = g_strcmp0(wait->failed_name,
                                               prov_error_to_dbus_name(PROV_ERROR_CANCELLED)) == 0;

                g_string_append(json, cancelled ? "\"cancelled\"" : "\"failed\"");
                g_string_append(json, ", \"error\": ");
                append_json_error(json, wait->failed_name, wait->failed_message);
        }
        g_string_append(json, "}\n");
        print_raw(json->str);
}

static void run_wait_clear(RunWait *wait) {
        g_clear_pointer(&wait->changes, g_ptr_array_unref);
        g_clear_pointer(&wait->failed_name, g_free);
        g_clear_pointer(&wait->failed_message, g_free);
        g_clear_error(&wait->error);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(RunWait, run_wait_clear)

static int start_and_wait(ProvClient *client) {
        static const ProvSignalHandlers handlers = {
                .section_applied = on_run_section_applied,
                .progress = on_run_progress,
                .failed = on_run_failed,
                .finished = on_run_finished,
                .disconnected = on_run_disconnected,
        };
        g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
        g_autoptr(GError) error = NULL;
        g_auto(RunWait) wait = {
                .client = client,
                .loop = loop,
                .progress_bar = stdout_is_terminal(),
                .changes = g_ptr_array_new_with_free_func((GDestroyNotify) prov_section_change_free),
        };

        /* Subscribe first: a fast run may be over before StartProvisioning's reply arrives. */
        if (!prov_client_subscribe(client, &handlers, &wait, &error))
                return report_error(error);
        if (!prov_client_start(client, arg_url, arg_trigger, &wait.run_id, &error))
                return report_start_error(error);
        prov_client_attach(client, NULL);
        wait_for_run_end(&wait);

        error = g_steal_pointer(&wait.error);
        /* Interrupted, the bus lost, the run gone without a signal: {"run_id": N, "error": …}. */
        if (!wait.finished && wait.failed_name == NULL)
                return report_run_error(wait.run_id, error);
        if (arg_json)
                print_run_end_json(client, &wait);
        if (!wait.finished)
                return print_error(error);
        if (arg_json)
                return EXIT_OK;
        g_print("Finished: %u section(s) changed\n", wait.sections_changed);
        print_last_warnings(client);
        return EXIT_OK;
}

int command_start(ProvClient *client, char **args) {
        g_autoptr(GError) error = NULL;
        guint64 run_id;

        if (!arg_no_wait)
                return start_and_wait(client);
        if (!prov_client_start(client, arg_url, arg_trigger, &run_id, &error))
                return report_start_error(error);
        if (arg_json)
                g_print("{\"run_id\": %" G_GUINT64_FORMAT "}\n", run_id);
        else
                g_print("%" G_GUINT64_FORMAT "\n", run_id);
        return EXIT_OK;
}

int command_cancel(ProvClient *client, char **args) {
        g_autoptr(GError) error = NULL;

        if (!prov_client_cancel(client, &error))
                return report_error(error);
        return EXIT_OK;
}
