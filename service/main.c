/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* provisiond: the provisioning service. Wires configuration, engine and bus together. */
#include <glib-unix.h>
#include <locale.h>
#include <malloc.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "bus-dhcp.h"
#include "bus-discover.h"
#include "bus-service.h"
#include "daemon-config.h"
#include "dhcp-leases.h"
#include "engine.h"
#include "prov-bus-source.h"
#include "prov-sd-bus-cleanup.h"
#include "worker-threads.h"

typedef struct {
        gboolean system_bus;
        gboolean session_bus;
        gboolean verbose;
        gboolean version;
        char *state_dir;
        char *config_file;
        char *defaults_file;
        char *schemas_dir;
        char *runtime_dir;
        char *boot_id_file;
} Arguments;

static void arguments_clear(Arguments *arguments) {
        g_free(arguments->state_dir);
        g_free(arguments->config_file);
        g_free(arguments->defaults_file);
        g_free(arguments->schemas_dir);
        g_free(arguments->runtime_dir);
        g_free(arguments->boot_id_file);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Arguments, arguments_clear)

/* Where each path comes from when no option sets it: the build's defaults. */
static char *default_paths_help(void) {
        return g_strdup_printf("Default paths (the options and [Paths] in the configuration file override them):\n"
                               "  configuration  %s (--config)\n"
                               "  state          %s (--state-dir, StateDir=)\n"
                               "  defaults       %s (--defaults, Defaults=)\n"
                               "  schemas        %s (--schemas-dir, SchemasDir=)\n"
                               "\n"
                               "See provisiond(8) and provisiond.conf(5).\n",
                               PROVISIOND_CONFIG_FILE, PROVISIOND_STATE_DIR, PROVISIOND_DEFAULTS_FILE,
                               PROVISIOND_SCHEMAS_DIR);
}

static gboolean parse_arguments(int *argc, char ***argv, Arguments *arguments, GError **error) {
        const GOptionEntry entries[] = {
                { "system", 0, 0, G_OPTION_ARG_NONE, &arguments->system_bus, "Serve on the system bus (default)", NULL },
                { "session", 0, 0, G_OPTION_ARG_NONE, &arguments->session_bus, "Serve on the session bus", NULL },
                { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &arguments->state_dir, "Where the settings are stored", "DIR" },
                { "config", 0, 0, G_OPTION_ARG_FILENAME, &arguments->config_file, "Configuration file", "FILE" },
                { "defaults", 0, 0, G_OPTION_ARG_FILENAME, &arguments->defaults_file, "Factory defaults", "FILE" },
                { "schemas-dir", 0, 0, G_OPTION_ARG_FILENAME, &arguments->schemas_dir, "Settings schemas", "DIR" },
                { "runtime-dir", 0, 0, G_OPTION_ARG_FILENAME, &arguments->runtime_dir, "Runtime state (DHCP options, boot marker)", "DIR" },
                { "boot-id-file", 0, 0, G_OPTION_ARG_FILENAME, &arguments->boot_id_file, "The kernel's boot id (for tests)", "FILE" },
                { "verbose", 'v', 0, G_OPTION_ARG_NONE, &arguments->verbose, "Log debug messages", NULL },
                { "version", 0, 0, G_OPTION_ARG_NONE, &arguments->version, "Show the version and exit", NULL },
                G_OPTION_ENTRY_NULL,
        };
        g_autoptr(GOptionContext) context = g_option_context_new("- SIP phone provisioning service");
        g_autofree char *description = default_paths_help();

        g_option_context_add_main_entries(context, entries, NULL);
        g_option_context_set_description(context, description);
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

static const char *config_path(const Arguments *arguments) {
        return arguments->config_file != NULL ? arguments->config_file : PROVISIOND_CONFIG_FILE;
}

/* Configuration file first, command line over it. */
static DaemonConfig *build_config(Arguments *arguments, GError **error) {
        g_autoptr(DaemonConfig) config = daemon_config_new_default();
        const char *path = config_path(arguments);

        if (!daemon_config_load_file(config, path, arguments->config_file != NULL, error)) {
                g_prefix_error(error, "cannot load the configuration (set with --config): ");
                return NULL;
        }
        replace_string(&config->state_dir, arguments->state_dir);
        replace_string(&config->defaults_file, arguments->defaults_file);
        replace_string(&config->schemas_dir, arguments->schemas_dir);
        replace_string(&config->runtime_dir, arguments->runtime_dir);
        replace_string(&config->boot_id_file, arguments->boot_id_file);
        return g_steal_pointer(&config);
}

/* A start-up error names the path and what sets it; the engine's own
 * messages (e.g. a bare "No such file or directory") may not. */
static gboolean check_readable_file(const char *path, const char *what, const char *how_set, const char *config,
                                    GError **error) {
        if (g_file_test(path, G_FILE_TEST_IS_REGULAR) && access(path, R_OK) == 0)
                return TRUE;
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "cannot read %s %s: %s (set with %s in %s)", what,
                    path, g_file_test(path, G_FILE_TEST_EXISTS) ? g_strerror(EACCES) : g_strerror(ENOENT),
                    how_set, config);
        return FALSE;
}

static gboolean check_paths(const DaemonConfig *config, const Arguments *arguments, GError **error) {
        g_autofree char *releases = g_build_filename(config->schemas_dir, "releases.conf", NULL);
        g_autofree char *settings = g_build_filename(config->state_dir, "settings.xml", NULL);

        if (!check_readable_file(releases, "the schemas' release list", "--schemas-dir or [Paths] SchemasDir=",
                                 config_path(arguments), error))
                return FALSE;
        /* The defaults are read only when there are no stored settings yet. */
        if (g_file_test(settings, G_FILE_TEST_EXISTS))
                return TRUE;
        return check_readable_file(config->defaults_file, "the factory defaults",
                                   "--defaults or [Paths] Defaults=", config_path(arguments), error);
}

static gboolean on_quit(gpointer user_data) {
        g_main_loop_quit(user_data);
        return G_SOURCE_CONTINUE;
}

/* No reload exists (provisiond.conf is read at start, docs/generations.md): a SIGHUP, which
 * administrators send to reload a daemon, would otherwise end it, and systemd does not
 * restart a service that a SIGHUP ended (it counts as a clean exit). Say what to do instead. */
static gboolean on_hangup(gpointer user_data) {
        g_message("SIGHUP ignored: provisiond reads its configuration file at start only; restart "
                  "it to apply a change (systemctl restart provisiond)");
        return G_SOURCE_CONTINUE;
}

/* Losing the bus is a failure: the exit status lets the service manager restart us. */
static gboolean bus_lost;

static gboolean on_bus_lost(gpointer user_data) {
        g_warning("lost the bus connection");
        bus_lost = TRUE;
        g_main_loop_quit(user_data);
        return G_SOURCE_REMOVE;
}

/* The DHCP options the hooks handed over before a restart. */
static DhcpLeases *load_dhcp_leases(const DaemonConfig *config) {
        g_autofree char *directory = g_build_filename(config->runtime_dir, DHCP_LEASES_SUBDIR, NULL);
        g_autoptr(DhcpLeases) leases = dhcp_leases_new(directory);
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) kept = NULL;

        if (!dhcp_leases_load(leases, &error))
                g_warning("DHCP options: %s (starting without)", error->message);
        kept = dhcp_leases_list(leases);
        for (guint i = 0; i < kept->len; i++)
                bus_dhcp_log_finding(g_ptr_array_index(kept, i), "kept from before the restart");
        return g_steal_pointer(&leases);
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
        g_autoptr(DhcpLeases) dhcp_leases = NULL;
        g_autoptr(sd_bus_slot) dhcp_slot = NULL;
        g_autoptr(sd_bus_slot) discover_slot = NULL;
        BusService *service = NULL;
        int r;

        if (config == NULL || !check_paths(config, arguments, &error)) {
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
        g_unix_signal_add(SIGHUP, on_hangup, NULL);
        dhcp_leases = load_dhcp_leases(config);
        engine_set_dhcp_leases(engine, dhcp_leases);
        r = bus_dhcp_add(bus, dhcp_leases, engine, &dhcp_slot);
        if (r < 0) {
                g_printerr("provisiond: cannot export SetDhcpOptions: %s\n", g_strerror(-r));
                return EXIT_FAILURE;
        }
        r = bus_discover_add(bus, engine, &discover_slot);
        if (r < 0) {
                g_printerr("provisiond: cannot export Discover: %s\n", g_strerror(-r));
                return EXIT_FAILURE;
        }
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
                g_printerr("provisiond: %s\n"
                           "provisiond: with state %s (--state-dir), defaults %s (--defaults), schemas %s "
                           "(--schemas-dir), configuration %s (--config)\n",
                           error->message, config->state_dir, config->defaults_file, config->schemas_dir,
                           config_path(arguments));
                bus_service_free(service);
                return EXIT_FAILURE;
        }

        bus_source = prov_bus_source_new(bus);
        g_source_set_callback(bus_source, on_bus_lost, loop, NULL);
        g_source_attach(bus_source, NULL);
        g_idle_add_once(check_stored_settings, engine);

        g_message("serving %s (provisiond %s)", BUS_NAME, PROVISIOND_VERSION);
        /* After the name is owned (a boot run's signals go out on the bus) and the store is
         * loaded (engine_load() above): the triggers read the provisioning section. */
        engine_start_triggers(engine);
        g_main_loop_run(loop);
        g_message("stopping");
        engine_stop(engine);

        g_source_destroy(bus_source);
        bus_service_free(service);
        worker_threads_stop_idle(2 * G_TIME_SPAN_SECOND);
        return bus_lost ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* glibc's allocator for a long-running daemon that holds one large settings tree and builds
 * the next one in the apply worker (measured with tools/bench, docs/architecture.md):
 * - one arena: the worker's trees reuse what the main thread freed, and malloc_trim() after a
 *   large apply has one heap to give back (two arenas kept 32 MB after two 1 MiB applies);
 * - no fastbins: freeing a tree of small nodes filled them, and every large free after it
 *   consolidated them again (about 9 M instructions of a 1 MiB apply);
 * - a fixed mmap threshold: buffers of a whole document (128 KiB and more) go back to the
 *   system when freed, instead of glibc's dynamic threshold moving them into the heap. */
static void tune_malloc(void) {
        mallopt(M_ARENA_MAX, 1);
        mallopt(M_MXFAST, 0);
        mallopt(M_MMAP_THRESHOLD, 128 * 1024);
}

int main(int argc, char *argv[]) {
        g_auto(Arguments) arguments = { 0 };
        g_autoptr(GError) error = NULL;

        setlocale(LC_ALL, "");
        tune_malloc();
        if (!parse_arguments(&argc, &argv, &arguments, &error)) {
                g_printerr("provisiond: %s\n", error->message);
                return 2;
        }
        if (arguments.version) {
                g_print("provisiond %s\n", PROVISIOND_VERSION);
                return EXIT_SUCCESS;
        }
        if (arguments.verbose)
                g_log_set_debug_enabled(TRUE);
        return run(&arguments);
}
