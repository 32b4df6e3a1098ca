/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ProvClient: connecting to a bus, the connection's address, closing it. The calls and signals are in
 * provision-call.c, provision-signals.c and one file per group of methods. */
#include "provision.h"

#include "prov-sd-bus-cleanup.h"
#include "provision-client-private.h"

/* sd-bus' address of the system bus when DBUS_SYSTEM_BUS_ADDRESS is not set
 * (DEFAULT_SYSTEM_BUS_ADDRESS in systemd, the D-Bus specification's default). */
#define DEFAULT_SYSTEM_BUS_ADDRESS "unix:path=/run/dbus/system_bus_socket"

/* Takes over @bus. */
static ProvClient *client_new_for_bus(sd_bus *bus) {
        ProvClient *client = g_new0(ProvClient, 1);

        client->bus = bus;
        return client;
}

/* The address sd_bus_open_system() and sd_bus_open_user() try, for the
 * message when they fail; NULL for a session bus without one. */
static char *address_of_bus_type(ProvBusType bus_type) {
        const char *runtime_dir;

        if (bus_type == PROV_BUS_SYSTEM)
                return g_strdup(g_getenv("DBUS_SYSTEM_BUS_ADDRESS") ?: DEFAULT_SYSTEM_BUS_ADDRESS);
        if (g_getenv("DBUS_SESSION_BUS_ADDRESS") != NULL)
                return g_strdup(g_getenv("DBUS_SESSION_BUS_ADDRESS"));
        runtime_dir = g_getenv("XDG_RUNTIME_DIR");
        if (runtime_dir != NULL)
                return g_strdup_printf("unix:path=%s/bus", runtime_dir);
        return NULL;
}

static void set_connect_error(GError **error, ProvBusType bus_type, int r) {
        const char *name = bus_type == PROV_BUS_SYSTEM ? "system" : "session";
        g_autofree char *address = address_of_bus_type(bus_type);

        if (address == NULL)
                g_set_error(error, PROV_ERROR, PROV_ERROR_UNREACHABLE,
                            "cannot connect to the %s bus: neither DBUS_SESSION_BUS_ADDRESS nor XDG_RUNTIME_DIR "
                            "is set",
                            name);
        else
                g_set_error(error, PROV_ERROR, PROV_ERROR_UNREACHABLE,
                            "cannot connect to the %s bus at %s: %s", name, address, g_strerror(-r));
}

ProvClient *prov_client_new(ProvBusType bus_type, GError **error) {
        g_autoptr(sd_bus) bus = NULL;
        int r;

        g_return_val_if_fail(bus_type == PROV_BUS_SYSTEM || bus_type == PROV_BUS_SESSION, NULL);

        if (bus_type == PROV_BUS_SYSTEM)
                r = sd_bus_open_system(&bus);
        else
                r = sd_bus_open_user(&bus);
        if (r < 0) {
                set_connect_error(error, bus_type, r);
                return NULL;
        }
        return client_new_for_bus(g_steal_pointer(&bus));
}

ProvClient *prov_client_new_for_address(const char *address, GError **error) {
        g_autoptr(sd_bus) bus = NULL;
        int r;

        g_return_val_if_fail(address != NULL, NULL);

        r = sd_bus_new(&bus);
        if (r < 0) {
                client_fail(error, r, "Cannot create a bus connection");
                return NULL;
        }
        r = sd_bus_set_address(bus, address);
        if (r >= 0)
                r = sd_bus_set_bus_client(bus, TRUE);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r < 0) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_UNREACHABLE, "cannot connect to the bus at %s: %s",
                            address, g_strerror(-r));
                return NULL;
        }
        return client_new_for_bus(g_steal_pointer(&bus));
}

const char *prov_client_get_bus_address(ProvClient *client) {
        const char *address = NULL;

        g_return_val_if_fail(client != NULL, NULL);

        if (sd_bus_get_address(client->bus, &address) < 0)
                return NULL;
        return address;
}

void prov_client_free(ProvClient *client) {
        if (client == NULL)
                return;
        client_detach(client);
        sd_bus_slot_unref(client->signal_slot);
        sd_bus_flush_close_unref(client->bus);
        g_free(client);
}
