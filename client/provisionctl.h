/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* provisionctl's own header: what its command files share with the command line in provisionctl.c. */
#pragma once

#include <glib.h>

#include "provision.h"

/* provisionctl's exit status; EXIT_CODES_HELP in provisionctl.c explains them to the user. */
enum {
        EXIT_OK = 0,
        EXIT_REFUSED = 1,     /* the daemon refused or failed the request */
        EXIT_USAGE = 2,       /* bad command line */
        EXIT_UNREACHABLE = 3, /* cannot connect to the bus or reach the daemon */
};

/* ---- shared by the commands (provisionctl-output.c; set by provisionctl.c) ---- */

/* --json: for the commands whose table entry has .json set. */
extern gboolean arg_json;

/* ---- errors (provisionctl-error.c) ---- */

/* Names the bus in the messages about a daemon that is not running, and in
 * the hint how to start it there; @address_option: --address's value, or NULL. */
void set_error_bus(ProvClient *client, gboolean session, const char *address_option);

/* Prints "provisionctl: NAME: message" on stderr and, with --json, one object
 * {"error": {"name": NAME, "message": message}} on stdout. Returns the exit
 * code for @error. Access refused by the bus policy and a daemon that is not
 * running on the bus get messages that say what to do instead of the bus' text. */
int report_error(const GError *error);

/* Like report_error(), for a refusal of the document read from @file_label:
 * "provisionctl: FILE: NAME: message", and "file" in the JSON object. */
int report_file_error(const char *file_label, const GError *error);

/* Like report_error(), with "run_id" in the JSON object: a wait for run @run_id that ended without its end. */
int report_run_error(guint64 run_id, const GError *error);

/* report_error() on stderr only, for callers that print their own JSON object. */
int print_error(const GError *error);

/* A failed connect to the bus (@error of prov_client_new()): its message, JSON name NoServer, exit 3. */
int report_connect_error(const GError *error);

/* provisionctl's own failure (a file it cannot read, a bad argument): "provisionctl: MESSAGE", JSON name
 * InvalidArgs for EXIT_USAGE, else Failed, "file" with @file_label (may be NULL). Returns @exit_code. */
G_GNUC_PRINTF(3, 4) int report_local_error(const char *file_label, int exit_code, const char *format, ...);

/* What --version says of a daemon it could not ask: "not running on the system bus (…)", "not reachable (…)". */
char *describe_daemon_error(const GError *error);

/* ---- output (provisionctl-output.c) ---- */

/* Writes UTF-8 @text (a document: JSON, XML) to stdout as it is, buffered;
 * g_print() converts to the terminal's charset and flushes. Both remember a
 * failed write: main() then reports it and exits 1. */
void print_raw(const char *text);

/* Flushes stdout. Returns FALSE if a write to stdout failed, now or before. */
gboolean flush_output(void);

/* Makes g_print() write through print_raw(): converted to the terminal's charset, flushed at once. */
void install_print_handler(void);

/* The errno of the first failed write to stdout; 0: none failed. */
int output_error(void);

/* The line apply and start print for each changed section. */
void print_section_change(const char *section, const char *version, const char *how);

/* Prints the warnings of the apply or run that just finished on stderr. */
void print_last_warnings(ProvClient *client);

/* The warnings of the apply or run that just finished; an empty list (and a
 * message on stderr) if they cannot be read. */
GStrv get_last_warnings(ProvClient *client);

/* Runs @loop until it is quit; SIGINT and SIGTERM call @on_interrupt(@user_data) meanwhile. */
void run_loop_until_quit(GMainLoop *loop, GSourceFunc on_interrupt, gpointer user_data);

/* ---- JSON output (provisionctl-json.c) ---- */

/* Appends @value as a JSON string (quotes and escapes included). Also used to
 * quote the free-text values of monitor's plain lines. */
void append_json_string(GString *json, const char *value);
/* Any GVariant: arrays and structs become arrays, dictionaries objects, (ss) {"name", "message"}. */
void append_json_value(GString *json, GVariant *value);
/* [{"section": …, "version": …, "how": …}, …] of a GPtrArray of ProvSectionChange. */
void append_json_section_changes(GString *json, GPtrArray *changes);
/* ["…", …]; NULL is an empty array. */
void append_json_strv(GString *json, const char *const *strings);
/* {"name": @name, "message": @message} */
void append_json_error(GString *json, const char *name, const char *message);

/* ---- the commands: each takes the arguments after its name, returns the exit status ---- */

/* provisionctl-status.c */
int command_status(ProvClient *client, char **args);

/* provisionctl-run.c */
extern const GOptionEntry start_options[];
int command_start(ProvClient *client, char **args);
int command_cancel(ProvClient *client, char **args);

/* provisionctl-settings.c */
extern const GOptionEntry backup_options[];
int command_apply(ProvClient *client, char **args);
int command_backup(ProvClient *client, char **args);

/* provisionctl-dhcp.c */
extern const GOptionEntry dhcp_options[];
int command_dhcp(ProvClient *client, char **args);

/* provisionctl-discover.c */
int command_discover(ProvClient *client, char **args);
/* The changed sections of an apply or rollback, as apply prints them (plain or --json). */
void print_applied_changes(ProvClient *client, GPtrArray *changes);

/* provisionctl-history.c */
extern const GOptionEntry history_options[];
int command_history(ProvClient *client, char **args);
int command_rollback(ProvClient *client, char **args);
int command_diff(ProvClient *client, char **args);

/* provisionctl-monitor.c */
int command_monitor(ProvClient *client, char **args);

/* provisionctl-check-sync.c */
extern const GOptionEntry check_sync_options[];
int command_check_sync(ProvClient *client, char **args);
/* provisionctl-runs.c: the run history (ListRuns), for "history --runs" */
int command_history_runs(ProvClient *client, char **args);
