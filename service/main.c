/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* provisiond: the provisioning service. Wires configuration, engine and bus together. */
#include <glib-unix.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>

#include "bus-service.h"
#include "daemon-config.h"
#include "engine.h"
#include "prov-bus-source.h"
#include "prov-sd-bus-cleanup.h"
#include "worker-threads.h"

typedef struct {
        gboolean system_bus;
        gboolean session_bus;
        gboolean verbose;
        char *state_dir;
        char *config_file;
        char *defaults_file;
        char *schemas_dir;
} Arguments;

static void arguments_clear(Arguments *arguments) {
        g_free(arguments->state_dir);
        g_free(arguments->config_file);
        g_free(arguments->defaults_file);
        g_free(arguments->schemas_dir);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Arguments, arguments_clear)

static gboolean parse_arguments(int *argc, char ***argv, Arguments *arguments, GError **error) {
        const GOptionEntry entries[] = {
                { "system", 0, 0, G_OPTION_ARG_NONE, &arguments->system_bus,
                  "Serve on the system bus (default)", NULL },
                { "session", 0, 0, G_OPTION_ARG_NONE, &arguments->session_bus, "Serve on the session bus",
                  NULL },
                { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &arguments->state_dir,
                  "Where the settings are stored", "DIR" },
                { "config", 0, 0, G_OPTION_ARG_FILENAME, &arguments->config_file, "Configuration file",
                  "FILE" },
                { "defaults", 0, 0, G_OPTION_ARG_FILENAME, &arguments->defaults_file, "Factory defaults",
                  "FILE" },
                { "schemas-dir", 0, 0, G_OPTION_ARG_FILENAME, &arguments->schemas_dir, "Settings schemas",
                  "DIR" },
                { "verbose", 'v', 0, G_OPTION_ARG_NONE, &arguments->verbose, "Log debug messages", NULL },
                G_OPTION_ENTRY_NULL,
        };
        g_autoptr(GOptionContext) context = g_option_context_new("- SIP phone provisioning service");

        g_option_context_add_main_entries(context, entries, NULL);
        if (!g_option_context_parse(context, argc, argv, error))
                return FALSE;
        if (arguments->system_bus && arguments->session_bus) {
                g_set_error_literal(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                                    "--system and --session exclude each other");
                return FALSE;
        }
        return TRUE;
}

static void replace_string(char **target, const char *value) {
        if (value == NULL)
                return;
        g_free(*target);
        *target = g_strdup(value);
}

/* Configuration file first, command line over it. */
static DaemonConfig *build_config(Arguments *arguments, GError **error) {
        g_autoptr(DaemonConfig) config = daemon_config_new_default();
        const char *path = arguments->config_file != NULL ? arguments->config_file : PROVISIOND_CONFIG_FILE;

        if (!daemon_config_load_file(config, path, arguments->config_file != NULL, error))
                return NULL;
        replace_string(&config->state_dir, arguments->state_dir);
        replace_string(&config->defaults_file, arguments->defaults_file);
        replace_string(&config->schemas_dir, arguments->schemas_dir);
        return g_steal_pointer(&config);
}

static gboolean on_quit(gpointer user_data) {
        g_main_loop_quit(user_data);
        return G_SOURCE_CONTINUE;
}

static gboolean on_bus_lost(gpointer user_data) {
        g_warning("lost the bus connection");
        g_main_loop_quit(user_data);
        return G_SOURCE_REMOVE;
}

/* Only logged, so not worth keeping a client waiting for: after the first calls. */
static void check_stored_settings(gpointer user_data) {
        engine_check_stored_settings(user_data);
}

static int run(Arguments *arguments) {
        g_autoptr(GError) error = NULL;
        g_autoptr(DaemonConfig) config = build_config(arguments, &error);
        g_autoptr(Engine) engine = NULL;
        g_autoptr(sd_bus) bus = NULL;
        g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
        g_autoptr(GSource) bus_source = NULL;
        BusService *service = NULL;
        int r;

        if (config == NULL) {
                g_printerr("provisiond: %s\n", error->message);
                return EXIT_FAILURE;
        }
        engine = engine_new(config);

        r = arguments->session_bus ? sd_bus_open_user(&bus) : sd_bus_open_system(&bus);
        if (r < 0) {
                g_printerr("provisiond: cannot connect to the %s bus: %s\n",
                           arguments->session_bus ? "session" : "system", g_strerror(-r));
                return EXIT_FAILURE;
        }
        /* Before the name is owned: a client may stop us as soon as it sees us. */
        g_unix_signal_add(SIGTERM, on_quit, loop);
        g_unix_signal_add(SIGINT, on_quit, loop);
        /* The name first: its cost does not grow with the stored settings. No method is
         * dispatched before the bus source is attached, that is, before the store is loaded;
         * calls that arrive earlier wait in the socket. */
        r = bus_service_new(bus, engine, &service);
        if (r < 0) {
                g_printerr("provisiond: cannot own %s: %s\n", BUS_NAME,
                           r == -EEXIST ? "another instance owns it" : g_strerror(-r));
                return EXIT_FAILURE;
        }
        if (!engine_load(engine, &error)) {
                g_printerr("provisiond: %s\n", error->message);
                bus_service_free(service);
                return EXIT_FAILURE;
        }

        bus_source = prov_bus_source_new(bus);
        g_source_set_callback(bus_source, on_bus_lost, loop, NULL);
        g_source_attach(bus_source, NULL);
        g_idle_add_once(check_stored_settings, engine);

        g_message("serving %s (provisiond %s)", BUS_NAME, PROVISIOND_VERSION);
        g_main_loop_run(loop);
        g_message("stopping");
        engine_stop(engine);

        g_source_destroy(bus_source);
        bus_service_free(service);
        worker_threads_stop_idle(2 * G_TIME_SPAN_SECOND);
        return EXIT_SUCCESS;
}

int main(int argc, char *argv[]) {
        g_auto(Arguments) arguments = { 0 };
        g_autoptr(GError) error = NULL;

        setlocale(LC_ALL, "");
        if (!parse_arguments(&argc, &argv, &arguments, &error)) {
                g_printerr("provisiond: %s\n", error->message);
                return 2;
        }
        if (arguments.verbose)
                g_log_set_debug_enabled(TRUE);
        return run(&arguments);
}
