/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "provision-error.h"
#include "xml-cleanup.h"
#include "xml-parse.h"

struct Store {
        char *settings_path;
        char *meta_path;
        xmlDoc *doc;
        guint64 generation;
        guint64 last_change;
        gsize max_size; /* bytes of settings.xml a commit may write; 0: no cap */
};

static gboolean set_storage_error(GError **error, int errno_value, const char *what, const char *path) {
        g_set_error(error, PROV_ERROR, PROV_ERROR_STORAGE, "cannot %s %s: %s", what, path, g_strerror(errno_value));
        return FALSE;
}

static gboolean write_all(int fd, const char *data, gsize length) {
        while (length > 0) {
                ssize_t written = write(fd, data, length);
                if (written < 0) {
                        if (errno == EINTR)
                                continue;
                        return FALSE;
                }
                data += written;
                length -= (gsize)written;
        }
        return TRUE;
}

static gboolean fsync_directory_of(const char *path, GError **error) {
        g_autofree char *directory = g_path_get_dirname(path);
        int fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        gboolean synced;

        if (fd < 0)
                return set_storage_error(error, errno, "open directory", directory);
        synced = fsync(fd) == 0;
        if (!synced)
                set_storage_error(error, errno, "sync directory", directory);
        close(fd);
        return synced;
}

gboolean store_write_file_atomic(const char *path, const char *data, gsize length, GError **error) {
        g_autofree char *temp_path = g_strconcat(path, ".tmp", NULL);
        g_autoptr(GError) sync_error = NULL;
        int fd;
        int saved_errno;

        fd = open(temp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return set_storage_error(error, errno, "create", temp_path);

        if (!write_all(fd, data, length) || fsync(fd) < 0) {
                saved_errno = errno;
                close(fd);
                unlink(temp_path);
                return set_storage_error(error, saved_errno, "write", temp_path);
        }
        if (close(fd) < 0) {
                saved_errno = errno;
                unlink(temp_path);
                return set_storage_error(error, saved_errno, "write", temp_path);
        }
        if (rename(temp_path, path) < 0) {
                saved_errno = errno;
                unlink(temp_path);
                return set_storage_error(error, saved_errno, "replace", path);
        }
        /* The new file is in place whatever happens now: reporting a failure would leave
         * the caller believing the old one is still there. */
        if (!fsync_directory_of(path, &sync_error))
                g_warning("%s: the rename may not survive a power loss", sync_error->message);
        return TRUE;
}

static void load_meta(Store *store) {
        g_autoptr(GKeyFile) meta = g_key_file_new();

        if (!g_key_file_load_from_file(meta, store->meta_path, G_KEY_FILE_NONE, NULL))
                return;
        store->generation = g_key_file_get_uint64(meta, "Settings", "Generation", NULL);
        store->last_change = g_key_file_get_uint64(meta, "Settings", "LastChange", NULL);
}

static void save_meta(const Store *store) {
        g_autoptr(GKeyFile) meta = g_key_file_new();
        g_autoptr(GError) error = NULL;
        g_autofree char *data = NULL;
        gsize length = 0;

        g_key_file_set_uint64(meta, "Settings", "Generation", store->generation);
        g_key_file_set_uint64(meta, "Settings", "LastChange", store->last_change);
        data = g_key_file_to_data(meta, &length, NULL);
        /* The settings are already durable; losing the counter is not worth failing for. */
        if (!store_write_file_atomic(store->meta_path, data, length, &error))
                g_warning("%s", error->message);
}

static xmlDoc *load_document(const char *path, GError **error) {
        g_autofree char *contents = NULL;
        gsize length = 0;

        if (!g_file_get_contents(path, &contents, &length, error))
                return NULL;
        return xml_parse_untrusted(contents, length, path, error);
}

Store *store_open(const char *state_dir, const char *defaults_file, GError **error) {
        g_autoptr(Store) store = g_new0(Store, 1);
        g_autoptr(GError) local_error = NULL;
        xmlDoc *defaults;

        store->settings_path = g_build_filename(state_dir, STORE_SETTINGS_FILE, NULL);
        store->meta_path = g_build_filename(state_dir, STORE_META_FILE, NULL);
        load_meta(store);

        store->doc = load_document(store->settings_path, &local_error);
        if (store->doc != NULL)
                return g_steal_pointer(&store);
        if (!g_error_matches(local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
                g_propagate_error(error, g_steal_pointer(&local_error));
                return NULL;
        }

        if (g_mkdir_with_parents(state_dir, 0700) < 0) {
                set_storage_error(error, errno, "create", state_dir);
                return NULL;
        }
        defaults = load_document(defaults_file, error);
        if (defaults == NULL)
                return NULL;
        g_message("no stored settings in %s: starting from the factory defaults %s", state_dir, defaults_file);
        if (!store_commit(store, defaults, error))
                return NULL;
        return g_steal_pointer(&store);
}

void store_free(Store *store) {
        if (store == NULL)
                return;
        g_free(store->settings_path);
        g_free(store->meta_path);
        g_clear_pointer(&store->doc, xmlFreeDoc);
        g_free(store);
}

xmlDoc *store_get_document(const Store *store) {
        return store->doc;
}

xmlDoc *store_copy_document(const Store *store) {
        return xmlCopyDoc(store->doc, 1);
}

xmlNode *store_get_section(const Store *store, const char *name) {
        return xml_find_child(xmlDocGetRootElement(store->doc), name);
}

char *store_get_setting(const Store *store, const char *section, const char *element) {
        xmlNode *node = xml_find_child(store_get_section(store, section), element);
        g_autoptr(XmlString) text = node != NULL ? xmlNodeGetContent(node) : NULL;

        if (text == NULL || *g_strstrip((char *)text) == '\0')
                return NULL;
        return g_strdup((const char *)text);
}

void store_set_max_size(Store *store, gsize max_size) {
        store->max_size = max_size;
}

gboolean store_commit(Store *store, xmlDoc *doc, GError **error) {
        g_autoptr(xmlDoc) owned = doc;
        g_autofree char *data = NULL;
        gsize length = 0;

        data = xml_doc_to_string(owned, &length);
        /* Settings past the cap would make every Backup() reply outgrow the bus. */
        if (store->max_size > 0 && length > store->max_size) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_SETTINGS_TOO_LARGE,
                            "the settings would grow to %" G_GSIZE_FORMAT " bytes, more than [Limits] "
                            "MaxSettingsSize (%" G_GSIZE_FORMAT " bytes)",
                            length, store->max_size);
                return FALSE;
        }
        if (!store_write_file_atomic(store->settings_path, data, length, error))
                return FALSE;

        g_clear_pointer(&store->doc, xmlFreeDoc);
        store->doc = g_steal_pointer(&owned);
        store->generation++;
        store->last_change = (guint64)g_get_real_time();
        save_meta(store);
        return TRUE;
}

guint64 store_get_generation(const Store *store) {
        return store->generation;
}

guint64 store_get_last_change(const Store *store) {
        return store->last_change;
}
