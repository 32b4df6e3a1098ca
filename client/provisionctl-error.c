/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* provisionctl's errors: one line on stderr (two when provisiond is not running: how to start it), with
 * --json also one object on stdout, {"error": {"name": …, "message": …}}, and the exit status. */
#include <stdarg.h>
#include <string.h>

#include <gio/gio.h>

#include "provisionctl.h"

/* The name of errors that have no D-Bus name of their own (PROV_ERROR_FAILED, provisionctl's own). */
#define FAILED_ERROR_NAME "org.freedesktop.DBus.Error.Failed"
/* Could not connect to the bus (the D-Bus specification's name for it). */
#define NO_SERVER_ERROR_NAME "org.freedesktop.DBus.Error.NoServer"
/* The connection was lost, or the call failed on this side of it. */
#define DISCONNECTED_ERROR_NAME "org.freedesktop.DBus.Error.Disconnected"
/* The bus' answers when the daemon's name has no owner and it cannot be started. */
#define SPAWN_ERROR_PREFIX "org.freedesktop.DBus.Error.Spawn."
static const char *const not_running_error_names[] = {
        "org.freedesktop.DBus.Error.ServiceUnknown",
        "org.freedesktop.DBus.Error.NameHasNoOwner",
};

/* Set by set_error_bus(): the bus in words, and its D-Bus address. */
static char *bus_label; /* "the system bus (unix:path=…)", "the bus at unix:path=…" */
static char *bus_address;
static gboolean bus_is_session;
static gboolean bus_from_option;

static const char *bus_in_words(void) {
        return bus_label ?: "its bus";
}

void set_error_bus(ProvClient *client, gboolean session, const char *address_option) {
        const char *address = address_option ?: prov_client_get_bus_address(client);

        g_free(bus_address);
        bus_address = g_strdup(address ?: "unknown address");
        bus_is_session = session;
        bus_from_option = address_option != NULL;
        g_free(bus_label);
        if (bus_from_option)
                bus_label = g_strdup_printf("the bus at %s", bus_address);
        else
                bus_label = g_strdup_printf("the %s bus (%s)", session ? "session" : "system", bus_address);
}

/* A failure as the user and scripts see it. */
typedef struct {
        const char *name;     /* D-Bus error name, for --json */
        char *message;        /* without "provisionctl: " */
        gboolean show_name;   /* on stderr too: the daemon's and the bus' names, not ours */
        gboolean not_running; /* provisiond is not running on the bus: say how to start it */
        int exit_code;
} Failure;

static void failure_clear(Failure *failure) {
        g_clear_pointer(&failure->message, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Failure, failure_clear)

/* libprovision starts the message of errors without a name of ours with the
 * bus' error name ("org.freedesktop.DBus.Error.NoReply: …"). Returns the
 * length of that name, 0 if there is none. */
static size_t bus_error_name_length(const char *message) {
        const char *colon = strstr(message, ": ");
        g_autofree char *name = NULL;

        if (colon == NULL)
                return 0;
        name = g_strndup(message, (gsize) (colon - message));
        /* Error names follow the rules of interface names (D-Bus specification). */
        return g_dbus_is_interface_name(name) ? strlen(name) : 0;
}

static gboolean name_means_not_running(const char *name) {
        for (size_t i = 0; i < G_N_ELEMENTS(not_running_error_names); i++)
                if (g_str_equal(name, not_running_error_names[i]))
                        return TRUE;
        return g_str_has_prefix(name, SPAWN_ERROR_PREFIX);
}

/* "provisiond is not running on the system bus (ADDRESS)", and why activating it failed. */
static char *describe_not_running(const char *name, const char *bus_message) {
        if (g_str_has_prefix(name, SPAWN_ERROR_PREFIX))
                return g_strdup_printf("provisiond is not running on %s, and starting it failed: %s",
                                       bus_in_words(), bus_message);
        return g_strdup_printf("provisiond is not running on %s", bus_in_words());
}

/* An error that came with a bus error name in its message: the name goes to
 * "name", the rest to the message; no daemon on the bus is said in words. */
static void fill_from_bus_error(Failure *failure, const GError *error, size_t name_length) {
        g_autofree char *name = g_strndup(error->message, name_length);
        const char *bus_message = error->message + name_length + 2;

        failure->name = g_intern_string(name);
        failure->not_running = g_error_matches(error, PROV_ERROR, PROV_ERROR_UNREACHABLE) &&
                name_means_not_running(name);
        failure->show_name = !failure->not_running;
        if (failure->not_running)
                failure->message = describe_not_running(name, bus_message);
        else
                failure->message = g_strdup(bus_message);
}

static void fill_failure(Failure *failure, const GError *error) {
        gboolean unreachable = g_error_matches(error, PROV_ERROR, PROV_ERROR_UNREACHABLE);
        size_t name_length = 0;

        failure->exit_code = unreachable ? EXIT_UNREACHABLE : EXIT_REFUSED;
        if (g_error_matches(error, PROV_ERROR, PROV_ERROR_ACCESS_DENIED)) {
                /* The bus' own text lists match rules and the sender: no help to the user. */
                failure->name = prov_error_to_dbus_name(PROV_ERROR_ACCESS_DENIED);
                failure->message = g_strdup("permission denied: needs root or the provisioning group");
                g_debug("%s", error->message);
                return;
        }
        if (error->domain == PROV_ERROR && prov_error_to_dbus_name(error->code) != NULL) {
                failure->name = prov_error_to_dbus_name(error->code);
                failure->message = g_strdup(error->message);
                failure->show_name = TRUE;
                return;
        }
        if (error->domain == PROV_ERROR)
                name_length = bus_error_name_length(error->message);
        if (name_length > 0) {
                fill_from_bus_error(failure, error, name_length);
                return;
        }
        failure->name = unreachable ? DISCONNECTED_ERROR_NAME : FAILED_ERROR_NAME;
        failure->message = g_strdup(error->message);
}

/* How to start the daemon on the bus we talk to. */
static void print_start_hint(void) {
        if (bus_from_option)
                g_printerr("Start it on that bus: DBUS_SYSTEM_BUS_ADDRESS=%s %s --system\n", bus_address,
                           PROVISIOND_DAEMON_PATH);
        else if (bus_is_session)
                g_printerr("Start it with: %s --session\n", PROVISIOND_DAEMON_PATH);
        else
                g_printerr(
                        "Start it with \"systemctl start provisiond\", or without systemd as root: %s "
                        "--system\n",
                        PROVISIOND_DAEMON_PATH);
}

/* "provisionctl: [FILE: ][NAME: ]message": the daemon's and the bus' error
 * names are shown; provisionctl's own failures and the words for a missing
 * daemon or a refused access have none. */
static void print_failure(const Failure *failure, const char *file_label) {
        g_printerr("%s: ", g_get_prgname());
        if (file_label != NULL)
                g_printerr("%s: ", file_label);
        if (failure->show_name)
                g_printerr("%s: ", failure->name);
        g_printerr("%s\n", failure->message);
        if (failure->not_running)
                print_start_hint();
}

/* {CONTEXT, "error": {"name": …, "message": …}} on stdout, with --json. @context: members before "error". */
static void print_failure_json(const Failure *failure, const char *context) {
        g_autoptr(GString) json = NULL;

        if (!arg_json)
                return;
        json = g_string_new("{");
        if (context != NULL)
                g_string_append_printf(json, "%s, ", context);
        g_string_append(json, "\"error\": ");
        append_json_error(json, failure->name, failure->message);
        g_string_append(json, "}\n");
        print_raw(json->str);
}

static int report_with(const char *file_label, const char *context, const GError *error) {
        g_auto(Failure) failure = { 0 };

        fill_failure(&failure, error);
        print_failure(&failure, file_label);
        print_failure_json(&failure, context);
        return failure.exit_code;
}

int report_error(const GError *error) {
        return report_with(NULL, NULL, error);
}

int report_file_error(const char *file_label, const GError *error) {
        g_autoptr(GString) context = g_string_new("\"file\": ");

        append_json_string(context, file_label);
        /* The bus' refusals (access, no daemon) are not about the file. */
        if (g_error_matches(error, PROV_ERROR, PROV_ERROR_ACCESS_DENIED) ||
            g_error_matches(error, PROV_ERROR, PROV_ERROR_UNREACHABLE))
                return report_with(NULL, context->str, error);
        return report_with(file_label, context->str, error);
}

int report_run_error(guint64 run_id, const GError *error) {
        g_autofree char *context = g_strdup_printf("\"run_id\": %" G_GUINT64_FORMAT, run_id);

        return report_with(NULL, context, error);
}

int print_error(const GError *error) {
        g_auto(Failure) failure = { 0 };

        fill_failure(&failure, error);
        print_failure(&failure, NULL);
        return failure.exit_code;
}

int report_connect_error(const GError *error) {
        g_auto(Failure) failure = { .name = NO_SERVER_ERROR_NAME, .exit_code = EXIT_UNREACHABLE };

        failure.message = g_strdup(error->message);
        print_failure(&failure, NULL);
        print_failure_json(&failure, NULL);
        return failure.exit_code;
}

int report_local_error(const char *file_label, int exit_code, const char *format, ...) {
        g_auto(Failure) failure = { .exit_code = exit_code };
        g_autoptr(GString) context = NULL;
        va_list args;

        failure.name = exit_code == EXIT_USAGE ? prov_error_to_dbus_name(PROV_ERROR_INVALID_ARGS) :
                                                 FAILED_ERROR_NAME;
        va_start(args, format);
        failure.message = g_strdup_vprintf(format, args);
        va_end(args);
        print_failure(&failure, NULL);
        if (file_label != NULL) {
                context = g_string_new("\"file\": ");
                append_json_string(context, file_label);
        }
        print_failure_json(&failure, context != NULL ? context->str : NULL);
        return exit_code;
}

char *describe_daemon_error(const GError *error) {
        g_auto(Failure) failure = { 0 };

        fill_failure(&failure, error);
        if (failure.not_running)
                return g_strdup_printf("not running on %s", bus_in_words());
        return g_strdup_printf("not reachable (%s)", error->message);
}
