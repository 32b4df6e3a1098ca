/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Settings documents into and out of the daemon: ApplyFile (a file or an fd) with the changed sections it
 * returns, and Backup. */
#include "provision.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "prov-sd-bus-cleanup.h"
#include "provision-client-private.h"

void prov_section_change_free(ProvSectionChange *change) {
        if (change == NULL)
                return;
        g_free(change->section);
        g_free(change->version);
        g_free(change->how);
        g_free(change);
}

static GPtrArray *read_section_changes(sd_bus_message *reply, GError **error) {
        g_autoptr(GPtrArray)
                changes = g_ptr_array_new_with_free_func((GDestroyNotify) prov_section_change_free);
        const char *section, *version, *how;
        int r;

        r = sd_bus_message_enter_container(reply, 'a', "(sss)");
        if (r < 0) {
                client_fail(error, r, "Cannot read the changed sections");
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
                client_fail(error, r, "Cannot read the changed sections");
                return NULL;
        }
        return g_steal_pointer(&changes);
}

gboolean client_call_for_section_changes(ProvClient *client, sd_bus_message *request, GPtrArray **changes,
                                         GError **error) {
        g_autoptr(sd_bus_message) reply = client_call(client, request, error);
        g_autoptr(GPtrArray) applied = NULL;

        if (reply == NULL)
                return FALSE;
        applied = read_section_changes(reply, error);
        if (applied == NULL)
                return FALSE;
        if (changes != NULL)
                *changes = g_steal_pointer(&applied);
        return TRUE;
}

static gboolean apply_regular_fd(ProvClient *client, int fd, GPtrArray **changes, GError **error);

gboolean prov_client_apply_fd(ProvClient *client, int fd, GPtrArray **changes, GError **error) {
        int copy = -1;
        int passed;
        gboolean applied;

        g_return_val_if_fail(client != NULL, FALSE);
        g_return_val_if_fail(fd >= 0, FALSE);
        g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

        passed = client_document_fd(fd, &copy, error);
        if (passed < 0)
                return FALSE;
        applied = apply_regular_fd(client, passed, changes, error);
        if (copy >= 0)
                close(copy);
        return applied;
}

static gboolean apply_regular_fd(ProvClient *client, int fd, GPtrArray **changes, GError **error) {
        g_autoptr(sd_bus_message) request = NULL;
        int r;

        /* Else sd-bus fails the call with a made-up NotSupported, as if the daemon had refused. */
        if (sd_bus_can_send(client->bus, SD_BUS_TYPE_UNIX_FD) == 0) {
                g_set_error_literal(error, PROV_ERROR, PROV_ERROR_FAILED,
                                    "This bus connection cannot pass file descriptors");
                return FALSE;
        }
        request = client_new_method_call(client, "ApplyFile", error);
        if (request == NULL)
                return FALSE;
        /* No option keys are defined yet: an empty dictionary. */
        r = sd_bus_message_append(request, "ha{sv}", fd, 0);
        if (r < 0)
                return client_fail(error, r, "Cannot pass the file descriptor");
        return client_call_for_section_changes(client, request, changes, error);
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
