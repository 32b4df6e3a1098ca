/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dhcp-leases.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "provision.h"

#define LEASE_GROUP "Options"
#define INTERFACE_NAME_MAX 15 /* IFNAMSIZ - 1 */

struct DhcpLeases {
        char *directory;
        GHashTable *by_interface; /* interface name → DhcpLease (owned) */
};

DhcpLeases *dhcp_leases_new(const char *directory) {
        DhcpLeases *leases = g_new0(DhcpLeases, 1);

        leases->directory = g_strdup(directory);
        leases->by_interface = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                                     (GDestroyNotify) dhcp_lease_free);
        return leases;
}

void dhcp_leases_free(DhcpLeases *leases) {
        if (leases == NULL)
                return;
        g_hash_table_unref(leases->by_interface);
        g_free(leases->directory);
        g_free(leases);
}

gboolean dhcp_interface_name_valid(const char *name, GError **error) {
        gsize length = strlen(name);
        gboolean valid = length > 0 && length <= INTERFACE_NAME_MAX && !g_str_equal(name, ".") &&
                !g_str_equal(name, "..");

        for (gsize i = 0; valid && i < length; i++)
                valid = name[i] != '/' && name[i] != ':' && !g_ascii_isspace(name[i]);
        if (!valid)
                g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_ARGS,
                            "'%s' is not an interface name (1 to %d bytes, no '/', ':' or whitespace)", name,
                            INTERFACE_NAME_MAX);
        return valid;
}

/* Stores @lease (taken) as the current one of its interface. */
static void remember(DhcpLeases *leases, DhcpLease *lease) {
        g_hash_table_replace(leases->by_interface, lease->interface, lease);
}

static DhcpLease *lease_copy(const DhcpLease *lease) {
        DhcpLease *copy = dhcp_lease_new(lease->interface);
        GHashTableIter iter;
        gpointer code, value;

        g_hash_table_iter_init(&iter, lease->options);
        while (g_hash_table_iter_next(&iter, &code, &value))
                dhcp_lease_set(copy, (guint8) GPOINTER_TO_UINT(code), value);
        return copy;
}

static DhcpLease *lease_from_keyfile(const char *interface, GKeyFile *keyfile, GError **error) {
        g_autoptr(DhcpLease) lease = dhcp_lease_new(interface);
        g_auto(GStrv) keys = g_key_file_get_keys(keyfile, LEASE_GROUP, NULL, error);

        if (keys == NULL)
                return NULL;
        for (gsize i = 0; keys[i] != NULL; i++) {
                guint64 code = 0;
                g_autofree char *value = NULL;

                if (!g_ascii_string_to_unsigned(keys[i], 10, 1, 254, &code, error))
                        return NULL;
                value = g_key_file_get_string(keyfile, LEASE_GROUP, keys[i], error);
                if (value == NULL)
                        return NULL;
                dhcp_lease_set(lease, (guint8) code, value);
        }
        return g_steal_pointer(&lease);
}

static DhcpLease *load_one(DhcpLeases *leases, const char *interface, GError **error) {
        g_autofree char *path = g_build_filename(leases->directory, interface, NULL);
        g_autoptr(GKeyFile) keyfile = g_key_file_new();

        if (!dhcp_interface_name_valid(interface, error))
                return NULL;
        if (!g_key_file_load_from_file(keyfile, path, G_KEY_FILE_NONE, error))
                return NULL;
        return lease_from_keyfile(interface, keyfile, error);
}

static gint compare_names(gconstpointer a, gconstpointer b) {
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

gboolean dhcp_leases_load(DhcpLeases *leases, GError **error) {
        g_autoptr(GError) local_error = NULL;
        g_autoptr(GDir) dir = g_dir_open(leases->directory, 0, &local_error);
        g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
        const char *name;

        if (dir == NULL) {
                if (g_error_matches(local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
                        return TRUE;
                g_propagate_error(error, g_steal_pointer(&local_error));
                return FALSE;
        }
        while ((name = g_dir_read_name(dir)) != NULL)
                g_ptr_array_add(names, g_strdup(name));
        /* In name order: the same warnings in the same order on every start. */
        g_ptr_array_sort(names, compare_names);
        for (guint i = 0; i < names->len; i++) {
                const char *interface = g_ptr_array_index(names, i);
                g_autoptr(GError) file_error = NULL;
                DhcpLease *lease = load_one(leases, interface, &file_error);
                if (lease == NULL) {
                        g_warning("DHCP options: skipping %s/%s: %s", leases->directory, interface,
                                  file_error->message);
                        continue;
                }
                remember(leases, lease);
        }
        return TRUE;
}

static gint compare_codes(gconstpointer a, gconstpointer b) {
        return (gint) GPOINTER_TO_UINT(a) - (gint) GPOINTER_TO_UINT(b);
}

/* The lease file: [Options] with one key per code, in code order. */
static char *lease_to_data(const DhcpLease *lease) {
        g_autoptr(GKeyFile) keyfile = g_key_file_new();
        g_autoptr(GList) codes = g_list_sort(g_hash_table_get_keys(lease->options), compare_codes);

        for (GList *code = codes; code != NULL; code = code->next) {
                char key[4];
                g_snprintf(key, sizeof key, "%u", GPOINTER_TO_UINT(code->data));
                g_key_file_set_string(keyfile, LEASE_GROUP, key,
                                      g_hash_table_lookup(lease->options, code->data));
        }
        return g_key_file_to_data(keyfile, NULL, NULL);
}

static gboolean write_lease(DhcpLeases *leases, const DhcpLease *lease, GError **error) {
        g_autofree char *path = g_build_filename(leases->directory, lease->interface, NULL);
        g_autofree char *data = lease_to_data(lease);

        if (g_mkdir_with_parents(leases->directory, 0700) < 0) {
                int saved_errno = errno;
                g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved_errno),
                            "cannot create %s: %s", leases->directory, g_strerror(saved_errno));
                return FALSE;
        }
        return g_file_set_contents_full(
                path, data, -1, G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, 0600, error);
}

static gboolean remove_lease(DhcpLeases *leases, const char *interface, GError **error) {
        g_autofree char *path = g_build_filename(leases->directory, interface, NULL);

        if (g_unlink(path) < 0 && errno != ENOENT) {
                int saved_errno = errno;
                g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved_errno),
                            "cannot remove %s: %s", path, g_strerror(saved_errno));
                return FALSE;
        }
        return TRUE;
}

gboolean dhcp_leases_set(DhcpLeases *leases, const DhcpLease *lease, GError **error) {
        if (!dhcp_interface_name_valid(lease->interface, error))
                return FALSE;
        if (g_hash_table_size(lease->options) == 0) {
                if (!remove_lease(leases, lease->interface, error))
                        return FALSE;
                g_hash_table_remove(leases->by_interface, lease->interface);
                return TRUE;
        }
        if (!write_lease(leases, lease, error))
                return FALSE;
        remember(leases, lease_copy(lease));
        return TRUE;
}

const DhcpLease *dhcp_leases_lookup(DhcpLeases *leases, const char *interface) {
        return g_hash_table_lookup(leases->by_interface, interface);
}

static gint compare_interfaces(gconstpointer a, gconstpointer b) {
        const DhcpLease *const *first = a;
        const DhcpLease *const *second = b;

        return strcmp((*first)->interface, (*second)->interface);
}

GPtrArray *dhcp_leases_list(DhcpLeases *leases) {
        GPtrArray *list = g_ptr_array_new();
        GHashTableIter iter;
        gpointer lease;

        g_hash_table_iter_init(&iter, leases->by_interface);
        while (g_hash_table_iter_next(&iter, NULL, &lease))
                g_ptr_array_add(list, lease);
        g_ptr_array_sort(list, compare_interfaces);
        return list;
}
