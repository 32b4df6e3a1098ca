/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ProvClient: the connection to provisiond and its methods and signals, over sd-bus. */
#include "provision.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "prov-bus-source.h"
#include "prov-sd-bus-cleanup.h"
#include "provision-client-private.h"

#define SERVICE_NAME "org.provisiond.Provisioning1"
#define OBJECT_PATH "/org/provisiond/Provisioning1"
#define INTERFACE_NAME "org.provisiond.Provisioning1"

/* Longer than sd-bus' 25 s default: validating a large document against its
 * schemas on a slow phone may take a while, but a hung daemon must not hang
 * its callers forever. */
#define CALL_TIMEOUT_USEC (120 * G_USEC_PER_SEC)

struct ProvClient {
        sd_bus *bus;
        sd_bus_slot *signal_slot; /* the match of prov_client_subscribe() */
        ProvSignalHandlers handlers;
        gpointer handlers_data;
        GSource *bus_source; /* of prov_client_attach() */
};

gboolean client_fail(GError **error, int r, const char *what) {
        g_set_error(error, PROV_ERROR, PROV_ERROR_FAILED, "%s: %s", what, g_strerror(-r));
        return FALSE;
}

/* Takes over @bus. */
static ProvClient *client_new_for_bus(sd_bus *bus) {
        ProvClient *client = g_new0(ProvClient, 1);

        client->bus = bus;
        return client;
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
                client_fail(error, r,
                            bus_type == PROV_BUS_SYSTEM ? "Cannot connect to the system bus" :
                                                          "Cannot connect to the session bus");
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
                g_set_error(error, PROV_ERROR, PROV_ERROR_FAILED, "Cannot connect to the bus at %s: %s",
                            address, g_strerror(-r));
                return NULL;
        }
        return client_new_for_bus(g_steal_pointer(&bus));
}

static void client_detach(ProvClient *client) {
        if (client->bus_source == NULL)
                return;
        g_source_destroy(client->bus_source);
        g_clear_pointer(&client->bus_source, g_source_unref);
}

void prov_client_free(ProvClient *client) {
        if (client == NULL)
                return;
        client_detach(client);
        sd_bus_slot_unref(client->signal_slot);
        sd_bus_flush_close_unref(client->bus);
        g_free(client);
}

void prov_section_change_free(ProvSectionChange *change) {
        if (change == NULL)
                return;
        g_free(change->section);
        g_free(change->version);
        g_free(change->how);
        g_free(change);
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

/* Our own error names keep their message as is; any other name (a bus
 * error, a local errno) goes into the message so that it is not lost. */
static void set_error_from_bus_error(GError **error, const sd_bus_error *bus_error, int r) {
        ProvError code;

        if (!sd_bus_error_is_set(bus_error)) {
                client_fail(error, r, "Method call failed");
                return;
        }
        code = prov_error_from_dbus_name(bus_error->name);
        if (code == PROV_ERROR_FAILED)
                g_set_error(error, PROV_ERROR, code, "%s: %s", bus_error->name,
                            bus_error->message != NULL ? bus_error->message : g_strerror(-r));
        else
                g_set_error_literal(error, PROV_ERROR, code,
                                    bus_error->message != NULL ? bus_error->message : bus_error->name);
}

sd_bus_message *client_call(ProvClient *client, sd_bus_message *request, GError **error) {
        g_auto(sd_bus_error) bus_error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_call(client->bus, request, CALL_TIMEOUT_USEC, &bus_error, &reply);
        if (r < 0) {
                set_error_from_bus_error(error, &bus_error, r);
                return NULL;
        }
        return reply;
}

static GPtrArray *read_section_changes(sd_bus_message *reply, GError **error) {
        g_autoptr(GPtrArray)
                changes = g_ptr_array_new_with_free_func((GDestroyNotify) prov_section_change_free);
        const char *section, *version, *how;
        int r;

        r = sd_bus_message_enter_container(reply, 'a', "(sss)");
        if (r < 0) {
                client_fail(error, r, "Cannot read the reply of ApplyFile");
                return NULL;
        }
        while ((r = sd_bus_message_read(reply, "(sss)", &section, &version, &how)) > 0) {
                ProvSectionChange *change = g_new0(ProvSectionChange, 1);

                change->section = g_strdup(section);
                change->version = g_strdup(version);
                change->how = g_strdup(how);
                g_ptr_array_add(changes, change);
        }
        if (r < 0) {
                client_fail(error, r, "Cannot read the reply of ApplyFile");
                return NULL;
        }
        return g_steal_pointer(&changes);
}

gboolean prov_client_apply_fd(ProvClient *client, int fd, GPtrArray **changes, GError **error) {
        g_autoptr(sd_bus_message) request = NULL;
        g_autoptr(sd_bus_message) reply = NULL;
        g_autoptr(GPtrArray) applied = NULL;
        int r;

        g_return_val_if_fail(client != NULL, FALSE);
        g_return_val_if_fail(fd >= 0, FALSE);
        g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

        request = client_new_method_call(client, "ApplyFile", error);
        if (request == NULL)
                return FALSE;
        /* No option keys are defined yet: an empty dictionary. */
        r = sd_bus_message_append(request, "ha{sv}", fd, 0);
        if (r < 0)
                return client_fail(error, r, "Cannot pass the file descriptor");

        reply = client_call(client, request, error);
        if (reply == NULL)
                return FALSE;
        applied = read_section_changes(reply, error);
        if (applied == NULL)
                return FALSE;
        if (changes != NULL)
                *changes = g_steal_pointer(&applied);
        return TRUE;
}

gboolean prov_client_apply_file(ProvClient *client, const char *path, GPtrArray **changes, GError **error) {
        gboolean applied;
        int fd;

        g_return_val_if_fail(client != NULL, FALSE);
        g_return_val_if_fail(path != NULL, FALSE);
        g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                int saved_errno = errno;
                g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE, "Cannot open %s: %s", path,
                            g_strerror(saved_errno));
                return FALSE;
        }
        applied = prov_client_apply_fd(client, fd, changes, error);
        close(fd);
        return applied;
}

char *prov_client_backup(ProvClient *client, const char *const *sections, GError **error) {
        g_autoptr(sd_bus_message) request = NULL;
        g_autoptr(sd_bus_message) reply = NULL;
        const char *xml;
        int r;

        g_return_val_if_fail(client != NULL, NULL);
        g_return_val_if_fail(error == NULL || *error == NULL, NULL);

        request = client_new_method_call(client, "Backup", error);
        if (request == NULL)
                return NULL;
        /* sd-bus appends a NULL list as an empty array: "all sections". */
        r = sd_bus_message_append_strv(request, (char **) sections);
        if (r < 0) {
                client_fail(error, r, "Cannot append the section names");
                return NULL;
        }
        reply = client_call(client, request, error);
        if (reply == NULL)
                return NULL;
        r = sd_bus_message_read(reply, "s", &xml);
        if (r < 0) {
                client_fail(error, r, "Cannot read the reply of Backup");
                return NULL;
        }
        return g_strdup(xml);
}

static int on_section_applied(sd_bus_message *message, void *user_data, sd_bus_error *ret_error) {
        ProvClient *client = user_data;
        const char *section, *version, *how;
        uint64_t run_id;
        int r;

        r = sd_bus_message_read(message, "tsss", &run_id, &section, &version, &how);
        if (r < 0) {
                /* Not ours to fail: someone sent a malformed signal. */
                g_debug("ignoring a malformed SectionApplied signal: %s", g_strerror(-r));
                return 0;
        }
        if (client->handlers.section_applied != NULL)
                client->handlers.section_applied(run_id, section, version, how, client->handlers_data);
        return 0;
}

gboolean prov_client_subscribe(ProvClient *client, const ProvSignalHandlers *handlers, gpointer user_data,
                               GError **error) {
        g_autoptr(sd_bus_slot) slot = NULL;
        int r;

        g_return_val_if_fail(client != NULL, FALSE);
        g_return_val_if_fail(handlers != NULL, FALSE);
        g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

        /* Synchronous AddMatch: once this returns, no signal of a later call is missed. */
        r = sd_bus_match_signal(client->bus, &slot, SERVICE_NAME, OBJECT_PATH, INTERFACE_NAME,
                                "SectionApplied", on_section_applied, client);
        if (r < 0)
                return client_fail(error, r, "Cannot subscribe to SectionApplied");

        sd_bus_slot_unref(client->signal_slot);
        client->signal_slot = g_steal_pointer(&slot);
        client->handlers = *handlers;
        client->handlers_data = user_data;
        return TRUE;
}

void prov_client_attach(ProvClient *client, GMainContext *context) {
        g_return_if_fail(client != NULL);

        client_detach(client);
        client->bus_source = prov_bus_source_new(client->bus);
        g_source_attach(client->bus_source, context);
}
