/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Calling the daemon's methods over sd-bus, and how a failed call becomes a PROV_ERROR: the daemon's
 * answers keep their name; the bus' and sd-bus' own failures are PROV_ERROR_UNREACHABLE. */
#include "provision.h"

#include <errno.h>

#include "prov-sd-bus-cleanup.h"
#include "provision-client-private.h"

/* Longer than sd-bus' 25 s default: validating a large document against its
 * schemas on a slow phone may take a while, but a hung daemon must not hang
 * its callers forever. */
#define CALL_TIMEOUT_USEC (120 * G_USEC_PER_SEC)

/* The errnos with which sd-bus refuses to work on a connection that is gone. */
static gboolean errno_means_disconnected(int r) {
        return r == -ENOTCONN || r == -ECONNRESET || r == -EPIPE || r == -ETIMEDOUT;
}

gboolean client_fail(GError **error, int r, const char *what) {
        g_set_error(error, PROV_ERROR,
                    errno_means_disconnected(r) ? PROV_ERROR_UNREACHABLE : PROV_ERROR_FAILED, "%s: %s", what,
                    g_strerror(-r));
        return FALSE;
}

sd_bus_message *client_new_method_call(ProvClient *client, const char *method, GError **error) {
        sd_bus_message *request = NULL;
        int r;

        r = sd_bus_message_new_method_call(client->bus, &request, SERVICE_NAME, OBJECT_PATH, INTERFACE_NAME,
                                           method);
        if (r < 0) {
                client_fail(error, r, "Cannot create a method call");
                return NULL;
        }
        return request;
}

sd_bus_message *client_call_without_arguments(ProvClient *client, const char *method, GError **error) {
        g_autoptr(sd_bus_message) request = client_new_method_call(client, method, error);

        if (request == NULL)
                return NULL;
        return client_call(client, request, error);
}

sd_bus_message *client_new_property_get(ProvClient *client, const char *property, GError **error) {
        g_autoptr(sd_bus_message) request = NULL;
        int r;

        r = sd_bus_message_new_method_call(client->bus, &request, SERVICE_NAME, OBJECT_PATH,
                                           "org.freedesktop.DBus.Properties", "Get");
        if (r >= 0)
                r = sd_bus_message_append(request, "ss", INTERFACE_NAME, property);
        if (r < 0) {
                client_fail(error, r, "Cannot create a property call");
                return NULL;
        }
        return g_steal_pointer(&request);
}

/* Our own error names keep their message as is; any other name (a bus
 * error, a local errno) goes into the message so that it is not lost. */
void prov_error_set_from_dbus_name(GError **error, const char *name, const char *message) {
        ProvError code;

        g_return_if_fail(name != NULL);

        code = prov_error_from_dbus_name(name);
        if (code == PROV_ERROR_FAILED)
                g_set_error(error, PROV_ERROR, code, "%s: %s", name, message != NULL ? message : "failed");
        else
                g_set_error_literal(error, PROV_ERROR, code, message != NULL ? message : name);
}

/* The bus' answers that mean the daemon did not get the request, or did not answer it. */
static const char *const unreachable_error_names[] = {
        SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER,        SD_BUS_ERROR_NO_REPLY,
        SD_BUS_ERROR_TIMEOUT,         "org.freedesktop.DBus.Error.TimedOut", SD_BUS_ERROR_DISCONNECTED,
        SD_BUS_ERROR_NO_SERVER,
};
/* Activating the daemon failed: Spawn.ChildExited, Spawn.ExecFailed, ... */
#define SPAWN_ERROR_PREFIX "org.freedesktop.DBus.Error.Spawn."

static gboolean bus_error_means_unreachable(const sd_bus_error *bus_error) {
        for (size_t i = 0; i < G_N_ELEMENTS(unreachable_error_names); i++)
                if (sd_bus_error_has_name(bus_error, unreachable_error_names[i]))
                        return TRUE;
        return g_str_has_prefix(bus_error->name, SPAWN_ERROR_PREFIX);
}

/* sd_bus_call() reports its own failures (connection lost, no reply in time,
 * sending refused by the kernel) through its sd_bus_error too, under a name
 * made up from the errno (Disconnected, InvalidArgs, AccessDenied,
 * System.Error.ENOTCONN, ...) and with the errno's text as the message. Those
 * must not pass for the daemon's answers. */
static gboolean call_failed_locally(ProvClient *client, const sd_bus_error *bus_error, int r) {
        g_auto(sd_bus_error) made_up_error = SD_BUS_ERROR_NULL;

        if (!sd_bus_error_is_set(bus_error) || sd_bus_is_open(client->bus) <= 0)
                return TRUE;
        sd_bus_error_set_errno(&made_up_error, r);
        return sd_bus_error_has_name(bus_error, made_up_error.name) &&
                g_strcmp0(bus_error->message, made_up_error.message) == 0;
}

static void set_call_error(ProvClient *client, GError **error, const sd_bus_error *bus_error, int r) {
        const char *message;

        if (call_failed_locally(client, bus_error, r)) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_UNREACHABLE, "Cannot reach provisiond: %s",
                            g_strerror(-r));
                return;
        }
        message = bus_error->message != NULL ? bus_error->message : g_strerror(-r);
        if (bus_error_means_unreachable(bus_error))
                g_set_error(error, PROV_ERROR, PROV_ERROR_UNREACHABLE, "%s: %s", bus_error->name, message);
        else
                prov_error_set_from_dbus_name(error, bus_error->name, message);
}

sd_bus_message *client_call(ProvClient *client, sd_bus_message *request, GError **error) {
        return client_call_with_timeout(client, request, CALL_TIMEOUT_USEC, error);
}

sd_bus_message *client_call_with_timeout(ProvClient *client, sd_bus_message *request, guint64 timeout_usec,
                                         GError **error) {
        g_auto(sd_bus_error) bus_error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_call(client->bus, request, timeout_usec, &bus_error, &reply);
        if (r < 0) {
                set_call_error(client, error, &bus_error, r);
                return NULL;
        }
        return reply;
}
