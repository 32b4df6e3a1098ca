/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
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
        /* Held while a commit swaps the document, and by store_get_setting(): a setting can
         * be read on the main thread while a job of the apply queue commits. */
        GMutex swap_lock;
        gboolean from_defaults;
        StoreCommitHooks hooks;
        gpointer hooks_data;
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

gboolean store_sync_directory(const char *directory, GError **error) {
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

static gboolean fsync_directory_of(const char *path, GError **error) {
        g_autofree char *directory = g_path_get_dirname(path);

        return store_sync_directory(directory, error);
}

/* Writes @path.tmp (a new file: a name left over is unlinked first, as a
 * generation may share its inode) and fsyncs it. */
static gboolean write_temp_file(const char *temp_path, const char *data, gsize length, GError **error) {
        int fd;
        int saved_errno;

        if (unlink(temp_path) < 0 && errno != ENOENT)
                return set_storage_error(error, errno, "remove", temp_path);
        fd = open(temp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
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
        return TRUE;
}

/* Renames the durable @temp_path to @path, then fsyncs the directory. */
static gboolean replace_with_temp(const char *temp_path, const char *path, GError **error) {
        g_autoptr(GError) sync_error = NULL;
        int saved_errno;

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

gboolean store_write_file_atomic(const char *path, const char *data, gsize length, GError **error) {
        g_autofree char *temp_path = g_strconcat(path, ".tmp", NULL);

        return write_temp_file(temp_path, data, length, error) && replace_with_temp(temp_path, path, error);
}

/* Release 1 kept the counters in settings.meta, written after settings.xml: read
 * only while settings.xml carries no STORE_STATE_PI yet. */
static void load_legacy_meta(Store *store) {
        g_autoptr(GKeyFile) meta = g_key_file_new();

        if (!g_key_file_load_from_file(meta, store->meta_path, G_KEY_FILE_NONE, NULL))
                return;
        store->generation = g_key_file_get_uint64(meta, "Settings", "Generation", NULL);
        store->last_change = g_key_file_get_uint64(meta, "Settings", "LastChange", NULL);
        g_message("%s: generation %" G_GUINT64_FORMAT
                  " taken over; settings.xml carries it from the next commit",
                  store->meta_path, store->generation);
}

/* The value of pseudo-attribute @name in @pi's content (generation="12"), or FALSE. */
static gboolean pi_read_number(const xmlNode *pi, const char *name, guint64 *value) {
        g_autofree char *prefix = g_strdup_printf("%s=\"", name);
        const char *content = (const char *) pi->content;
        const char *start = content != NULL ? strstr(content, prefix) : NULL;
        const char *end;
        g_autofree char *digits = NULL;

        if (start == NULL || (start != content && !g_ascii_isspace(start[-1])))
                return FALSE;
        start += strlen(prefix);
        end = strchr(start, '"');
        if (end == NULL)
                return FALSE;
        digits = g_strndup(start, end - start);
        return g_ascii_string_to_unsigned(digits, 10, 0, G_MAXUINT64, value, NULL);
}

static gboolean is_state_pi(const xmlNode *node) {
        return node->type == XML_PI_NODE && g_strcmp0((const char *) node->name, STORE_STATE_PI) == 0;
}

/* Takes the counters out of @doc's STORE_STATE_PI and removes it: the document the
 * daemon works with (and Backup shows) is the settings only. FALSE if there is none. */
static gboolean take_state_pi(Store *store, xmlDoc *doc) {
        gboolean found = FALSE;
        xmlNode *next;

        for (xmlNode *node = doc->children; node != NULL; node = next) {
                next = node->next;
                if (!is_state_pi(node))
                        continue;
                if (!found && pi_read_number(node, "generation", &store->generation)) {
                        found = TRUE;
                        if (!pi_read_number(node, "last-change", &store->last_change))
                                store->last_change = 0;
                }
                xmlUnlinkNode(node);
                xmlFreeNode(node);
        }
        return found;
}

/* A commit killed between creating and renaming its temp file leaves it behind. */
static void remove_leftover(const char *path) {
        g_autofree char *temp_path = g_strconcat(path, ".tmp", NULL);

        if (unlink(temp_path) == 0)
                g_message("removed %s, left by an interrupted write", temp_path);
        else if (errno != ENOENT)
                g_warning("cannot remove %s: %s", temp_path, g_strerror(errno));
}

/* @doc serialized with the counters of the commit in a STORE_STATE_PI before the
 * root element, so that both become durable with one rename. */
static char *serialize_with_state(xmlDoc *doc, guint64 generation, guint64 last_change, gsize *length) {
        g_autofree char *content = g_strdup_printf("generation=\"%" G_GUINT64_FORMAT
                                                   "\" last-change=\"%" G_GUINT64_FORMAT "\"",
                                                   generation, last_change);
        xmlNode *pi = xmlNewDocPI(doc, (const xmlChar *) STORE_STATE_PI, (const xmlChar *) content);
        char *data;

        xmlAddPrevSibling(xmlDocGetRootElement(doc), pi);
        data = xml_doc_to_string(doc, length);
        xmlUnlinkNode(pi);
        xmlFreeNode(pi);
        return data;
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

        g_mutex_init(&store->swap_lock);
        store->settings_path = g_build_filename(state_dir, STORE_SETTINGS_FILE, NULL);
        store->meta_path = g_build_filename(state_dir, STORE_META_FILE, NULL);
        remove_leftover(store->settings_path);
        remove_leftover(store->meta_path);

        store->doc = load_document(store->settings_path, &local_error);
        if (store->doc != NULL) {
                if (!take_state_pi(store, store->doc))
                        load_legacy_meta(store);
                return g_steal_pointer(&store);
        }
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
        store->from_defaults = TRUE;
        return g_steal_pointer(&store);
}

void store_free(Store *store) {
        if (store == NULL)
                return;
        g_free(store->settings_path);
        g_free(store->meta_path);
        g_clear_pointer(&store->doc, xmlFreeDoc);
        g_mutex_clear(&store->swap_lock);
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
        g_autoptr(GMutexLocker) G_GNUC_UNUSED locker = g_mutex_locker_new((GMutex *)&store->swap_lock);
        xmlNode *node = xml_find_child(store_get_section(store, section), element);
        g_autoptr(XmlString) text = node != NULL ? xmlNodeGetContent(node) : NULL;

        if (text == NULL || *g_strstrip((char *)text) == '\0')
                return NULL;
        return g_strdup((const char *)text);
}

void store_set_max_size(Store *store, gsize max_size) {
        store->max_size = max_size;
}

gboolean store_take_state(xmlDoc *doc, guint64 *generation, guint64 *last_change) {
        Store counters = { 0 };
        gboolean found = take_state_pi(&counters, doc);

        if (generation != NULL)
                *generation = counters.generation;
        if (last_change != NULL)
                *last_change = counters.last_change;
        return found;
}

void store_set_commit_hooks(Store *store, const StoreCommitHooks *hooks, gpointer user_data) {
        store->hooks = hooks != NULL ? *hooks : (StoreCommitHooks){ 0 };
        store->hooks_data = user_data;
}

const char *store_get_path(const Store *store) {
        return store->settings_path;
}

gboolean store_created_from_defaults(const Store *store) {
        return store->from_defaults;
}

gboolean store_commit(Store *store, xmlDoc *doc, GError **error) {
        return store_commit_with_info(store, doc, NULL, error);
}

/* The temp file is durable before the hooks see it, and settings.xml is replaced after
 * @prepare: a generation the hook keeps is complete before the settings are its. */
static gboolean write_with_hooks(Store *store, const StoreCommit *commit, GError **error) {
        gboolean committed;

        if (!write_temp_file(commit->temp_path, commit->data, commit->length, error))
                return FALSE;
        if (store->hooks.prepare != NULL)
                store->hooks.prepare(commit, store->hooks_data);
        committed = replace_with_temp(commit->temp_path, store->settings_path, error);
        if (store->hooks.finish != NULL)
                store->hooks.finish(commit, committed, store->hooks_data);
        return committed;
}

gboolean store_commit_with_info(Store *store, xmlDoc *doc, const CommitInfo *info, GError **error) {
        g_autoptr(xmlDoc) owned = doc;
        g_autofree char *temp_path = g_strconcat(store->settings_path, ".tmp", NULL);
        StoreCommit commit = {
                .generation = store->generation + 1,
                .time = (guint64) g_get_real_time(),
                .temp_path = temp_path,
                .info = info,
        };
        g_autofree char *data = NULL;
        gsize length = 0;

        take_state_pi(&(Store){ 0 }, owned); /* the counters are the store's, never a document's */
        data = serialize_with_state(owned, commit.generation, commit.time, &length);
        /* Settings past the cap would make every Backup() reply outgrow the bus. */
        if (store->max_size > 0 && length > store->max_size) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_SETTINGS_TOO_LARGE,
                            "the settings would grow to %" G_GSIZE_FORMAT " bytes, more than [Limits] "
                            "MaxSettingsSize (%" G_GSIZE_FORMAT " bytes)",
                            length, store->max_size);
                return FALSE;
        }
        commit.data = data;
        commit.length = length;
        if (!write_with_hooks(store, &commit, error))
                return FALSE;

        g_mutex_lock(&store->swap_lock);
        g_clear_pointer(&store->doc, xmlFreeDoc);
        store->doc = g_steal_pointer(&owned);
        store->generation = commit.generation;
        store->last_change = commit.time;
        g_mutex_unlock(&store->swap_lock);
        /* Stale from now on (settings.xml's counters win); removing it is tidiness only. */
        if (unlink(store->meta_path) == 0)
                g_message("removed %s: settings.xml carries the generation now", store->meta_path);
        return TRUE;
}

guint64 store_get_generation(const Store *store) {
        return store->generation;
}

guint64 store_get_last_change(const Store *store) {
        return store->last_change;
}
