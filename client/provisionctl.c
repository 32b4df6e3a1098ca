/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* provisionctl: the engineer's command line for provisiond, on top of libprovision.
 * This file is the command line itself (options, the command table, connecting,
 * exit codes) and what the commands share; each command lives in provisionctl-*.c. */
#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <glib-unix.h>
#include <glib.h>

#include "provisionctl.h"

#define EXIT_CODES_HELP                                                               \
        "Exit status:\n"                                                              \
        "  0  success (start: the run finished)\n"                                    \
        "  1  the daemon refused or failed the request (start: the run failed, or\n"  \
        "     waiting for it was interrupted; cancel: no run was active; discover:\n" \
        "     no source found a URL), or the output could not be written\n"           \
        "  2  usage error\n"                                                          \
        "  3  cannot connect to the bus, provisiond is not running on it, or lost\n"  \
        "     the bus\n"                                                              \
        "\n"                                                                          \
        "The global options --system, --session and --address=ADDRESS may also\n"     \
        "follow the command.\n"

static gboolean arg_system;
static gboolean arg_session;
static char *arg_address;
static gboolean arg_version;

static const GOptionEntry json_options[] = {
        { "json", 0, 0, G_OPTION_ARG_NONE, &arg_json, "Print the result as JSON", NULL },
        { NULL },
};

static const GOptionEntry global_options[] = {
        { "system", 0, 0, G_OPTION_ARG_NONE, &arg_system, "Talk to provisiond on the system bus (default)",
          NULL },
        { "session", 0, 0, G_OPTION_ARG_NONE, &arg_session, "Talk to provisiond on the session bus", NULL },
        { "address", 0, 0, G_OPTION_ARG_STRING, &arg_address, "Talk to provisiond on the bus at ADDRESS",
          "ADDRESS" },
        { "version", 0, 0, G_OPTION_ARG_NONE, &arg_version, "Show the version and exit", NULL },
        { NULL },
};

/* ---- command line ---------------------------------------------------------------------- */

typedef struct {
        const char *name;
        const char *parameters; /* for the usage line, after the command name; NULL: none */
        const char *summary;
        const GOptionEntry *options; /* NULL: none */
        gboolean json;               /* takes --json (arg_json) */
        int min_args;
        int max_args; /* -1: any number */
        int (*run)(ProvClient *client, char **args);
} Command;

/* The commands, in the order --help lists them. A new command is one entry
 * here; the bash completion reads this list from "provisionctl --help", and
 * docs/man/provisionctl.1.scd and docs/dbus-api.md describe each one. */
static const Command commands[] = {
        { .name = "status", .summary = "Show the daemon's status", .json = TRUE, .run = command_status },
        { .name = "start",
          .summary = "Start a provisioning run and wait for its end",
          .options = start_options,
          .json = TRUE,
          .run = command_start },
        { .name = "cancel", .summary = "Cancel the active provisioning run", .run = command_cancel },
        { .name = "apply",
          .parameters = "FILE|-",
          .summary = "Apply the provisioning document FILE or stdin (e.g. a backup)",
          .json = TRUE,
          .min_args = 1,
          .max_args = 1,
          .run = command_apply },
        { .name = "backup",
          .parameters = "[SECTION…]",
          .summary = "Print a backup of the named sections, or of all",
          .options = backup_options,
          .max_args = -1,
          .run = command_backup },
        { .name = "monitor",
          .summary = "Print the daemon's signals until interrupted",
          .json = TRUE,
          .run = command_monitor },
        { .name = "dhcp",
          .summary = "Hand a DHCP client's options to the daemon (for DHCP hooks)",
          .options = dhcp_options,
          .run = command_dhcp },
        { .name = "check-sync",
          .summary = "Forward a check-sync NOTIFY as the SIP stack does (--sender ADDRESS)",
          .options = check_sync_options,
          .run = command_check_sync },
        { .name = "discover",
          .summary = "Show what each URL source finds now, without a run",
          .json = TRUE,
          .run = command_discover },
        { .name = "history",
          .summary = "List the kept settings generations (--runs: the last provisioning runs)",
          .options = history_options,
          .json = TRUE,
          .run = command_history },
        { .name = "rollback",
          .parameters = "[GENERATION]",
          .summary = "Restore a kept generation (default: the one before the current)",
          .json = TRUE,
          .max_args = 1,
          .run = command_rollback },
        { .name = "diff",
          .parameters = "[FROM [TO]]",
          .summary = "Show the settings that differ between two generations",
          .json = TRUE,
          .max_args = 2,
          .run = command_diff },
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
                g_autofree char *usage = g_strdup_printf("%s %s", commands[i].name,
                                                         commands[i].parameters ?: "");
                /* pad by characters, not bytes: the usage may hold "…" */
                glong padding = MAX(1, 21 - g_utf8_strlen(usage, -1));
                g_string_append_printf(help, "  %s%*s%s\n", usage, (int) padding, "", commands[i].summary);
        }
        g_string_append(help, "\nRun \"provisionctl COMMAND --help\" for the options of a command.");
        return g_string_free(help, FALSE);
}

/* With --json also an error object on stdout, named InvalidArgs. */
G_GNUC_PRINTF(1, 2) static int usage_error(const char *format, ...) {
        g_autofree char *message = NULL;
        va_list args;

        va_start(args, format);
        message = g_strdup_vprintf(format, args);
        va_end(args);
        report_local_error(NULL, EXIT_USAGE, "%s", message);
        g_printerr("Try \"%s --help\".\n", g_get_prgname());
        return EXIT_USAGE;
}

static gboolean bus_options_conflict(void) {
        return arg_system + arg_session + (arg_address != NULL) > 1;
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
        if (bus_options_conflict())
                return usage_error("--system, --session and --address exclude each other");
        return EXIT_OK;
}

/* Parses the command's options in @argv (which starts with the command name). */
static int parse_command_options(const Command *command, int *argc, char ***argv) {
        g_autofree char *parameters = g_strdup_printf("%s %s", command->name, command->parameters ?: "");
        g_autoptr(GOptionContext) context = g_option_context_new(parameters);
        g_autoptr(GError) error = NULL;
        gboolean json_asked = command->json && g_strv_contains((const char *const *) *argv, "--json");
        int arg_count;

        g_option_context_set_summary(context, command->summary);
        g_option_context_set_description(context, EXIT_CODES_HELP);
        if (command->options != NULL)
                g_option_context_add_main_entries(context, command->options, NULL);
        if (command->json)
                g_option_context_add_main_entries(context, json_options, NULL);
        /* As busctl and hostnamectl: the global options may follow the command. */
        g_option_context_add_main_entries(context, global_options, NULL);
        if (!g_option_context_parse(context, argc, argv, &error)) {
                /* A failed parse leaves arg_json unset, but the caller wants this error as JSON too. */
                arg_json = json_asked;
                return usage_error("%s", error->message);
        }
        if (bus_options_conflict())
                return usage_error("--system, --session and --address exclude each other");

        arg_count = *argc - 1;
        if (arg_count < command->min_args)
                return usage_error("missing argument");
        if (command->max_args >= 0 && arg_count > command->max_args)
                return usage_error("too many arguments");
        return EXIT_OK;
}

/* stdout's buffered writes fail late (a full disk, a closed pipe): a command
 * must not report success for output nobody got. Returns @exit_code, or
 * EXIT_REFUSED if output was lost and the command had succeeded. */
static int check_output_written(int exit_code) {
        if (flush_output())
                return exit_code;
        g_printerr("%s: cannot write output: %s\n", g_get_prgname(), g_strerror(output_error()));
        return exit_code != EXIT_OK ? exit_code : EXIT_REFUSED;
}

static ProvClient *connect_client(GError **error) {
        ProvClient *client;

        if (arg_address != NULL)
                client = prov_client_new_for_address(arg_address, error);
        else
                client = prov_client_new(arg_session ? PROV_BUS_SESSION : PROV_BUS_SYSTEM, error);
        if (client != NULL)
                set_error_bus(client, arg_session, arg_address);
        return client;
}

/* "provisiond VERSION" of the running daemon (its status' "Version" key), or why it is unknown. */
static char *daemon_version_line(void) {
        g_autoptr(GError) error = NULL;
        g_autoptr(ProvClient) client = connect_client(&error);
        g_autoptr(ProvStatus) status = NULL;
        const char *version = NULL;

        if (client != NULL)
                status = prov_client_get_status(client, &error);
        if (client == NULL)
                return g_strdup_printf("provisiond: not reachable (%s)", error->message);
        if (status == NULL) {
                g_autofree char *description = describe_daemon_error(error);

                return g_strdup_printf("provisiond: %s", description);
        }
        if (!g_variant_lookup(status->raw, "Version", "&s", &version))
                return g_strdup("provisiond: running, version not reported");
        return g_strdup_printf("provisiond %s", version);
}

/* Our version, then the running daemon's: they may differ after an update. */
static int show_version(void) {
        g_autofree char *daemon_line = daemon_version_line();

        g_print("provisionctl %s\n%s\n", PROVISIOND_VERSION, daemon_line);
        return check_output_written(EXIT_OK);
}

int main(int argc, char **argv) {
        g_autoptr(GError) error = NULL;
        g_autoptr(ProvClient) client = NULL;
        const Command *command;
        int r;

        setlocale(LC_ALL, "");
        g_set_prgname("provisionctl");
        install_print_handler();

        r = parse_global_options(&argc, &argv);
        if (r != EXIT_OK)
                return r;
        if (arg_version)
                return show_version();
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
        if (arg_version)
                return show_version();

        client = connect_client(&error);
        if (client == NULL)
                return report_connect_error(error);
        return check_output_written(command->run(client, argv + 1));
}
