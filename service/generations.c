/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "generations.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "provision-error.h"
#include "xml-cleanup.h"
#include "xml-parse.h"

#define META_GROUP "Generation"

struct Generations {
        GMutex lock;  /* the commit hooks may run in another thread than the readers */
        Store *store; /* borrowed */
        char *dir;    /* NULL: not usable, nothing is kept */
        guint keep;
        guint64 max_bytes;
        GPtrArray *kept;         /* GenerationInfo*, oldest first; the last is the current settings */
        GenerationInfo *pending; /* the commit between prepare and finish whose files are in place */
};

void generation_info_free(GenerationInfo *info) {
        if (info == NULL)
                return;
        commit_info_free(info->info);
        g_free(info);
}

static GenerationInfo *generation_info_copy(const GenerationInfo *info) {
        GenerationInfo *copy = g_memdup2(info, sizeof(*info));

        copy->info = commit_info_copy(info->info);
        return copy;
}

static char *file_path(const Generations *generations, guint64 generation, const char *suffix) {
        g_autofree char *name = g_strdup_printf("%" G_GUINT64_FORMAT "%s", generation, suffix);

        return g_build_filename(generations->dir, name, NULL);
}

/* N of "N.xml" or "N.meta" (@suffix), or 0. */
static guint64 parse_name(const char *name, const char *suffix) {
        g_autofree char *digits = NULL;
        guint64 generation = 0;

        if (!g_str_has_suffix(name, suffix))
                return 0;
        digits = g_strndup(name, strlen(name) - strlen(suffix));
        if (!g_ascii_string_to_unsigned(digits, 10, 1, G_MAXUINT64, &generation, NULL))
                return 0;
        return generation;
}

static guint64 file_size(const char *path) {
        GStatBuf st;

        return g_stat(path, &st) == 0 ? (guint64) st.st_size : 0;
}

static void remove_file(const char *path) {
        if (unlink(path) < 0 && errno != ENOENT)
                g_warning("cannot remove %s: %s", path, g_strerror(errno));
}

/* N.xml first: an N.meta alone is a leftover that the next start removes. */
static void remove_generation_files(const Generations *generations, guint64 generation) {
        g_autofree char *xml_path = file_path(generations, generation, ".xml");
        g_autofree char *meta_path = file_path(generations, generation, ".meta");

        remove_file(xml_path);
        remove_file(meta_path);
}

/* ---- N.meta ------------------------------------------------------------------------ */

static gboolean write_meta(const Generations *generations, guint64 generation, guint64 time,
                           const CommitInfo *info, GError **error) {
        g_autoptr(GKeyFile) meta = g_key_file_new();
        g_autofree char *path = file_path(generations, generation, ".meta");
        g_autofree char *data = NULL;
        gsize length = 0;

        g_key_file_set_uint64(meta, META_GROUP, "Generation", generation);
        g_key_file_set_uint64(meta, META_GROUP, "Time", time);
        g_key_file_set_string(meta, META_GROUP, "Trigger", info->trigger);
        g_key_file_set_string(meta, META_GROUP, "Source", info->source);
        g_key_file_set_string(meta, META_GROUP, "Url", info->url);
        g_key_file_set_uint64(meta, META_GROUP, "RunId", info->run_id);
        g_key_file_set_uint64(meta, META_GROUP, "Restored", info->restored);
        g_key_file_set_string_list(meta, META_GROUP, "Sections", (const char *const *) info->sections,
                                   g_strv_length(info->sections));
        data = g_key_file_to_data(meta, &length, NULL);
        /* Temp file, fsync (DURABLE: without it GLib skips the fsync of a new file), rename; the
         * directory is fsynced once, after N.xml (keep_files()). */
        return g_file_set_contents_full(path, data, length,
                                        G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, 0600,
                                        error);
}

static char *meta_string(GKeyFile *meta, const char *key) {
        g_autofree char *value = g_key_file_get_string(meta, META_GROUP, key, NULL);

        return g_strdup(value != NULL ? value : "");
}

/* What N.meta says; an unreadable one gives empty fields (the settings are still there). */
static GenerationInfo *load_info(const Generations *generations, guint64 generation) {
        g_autoptr(GKeyFile) meta = g_key_file_new();
        g_autofree char *xml_path = file_path(generations, generation, ".xml");
        g_autofree char *meta_path = file_path(generations, generation, ".meta");
        g_autoptr(GError) error = NULL;
        GenerationInfo *info = g_new0(GenerationInfo, 1);
        g_autofree char *trigger = NULL, *source = NULL, *url = NULL;
        g_auto(GStrv) sections = NULL;

        info->generation = generation;
        info->size = file_size(xml_path) + file_size(meta_path);
        if (!g_key_file_load_from_file(meta, meta_path, G_KEY_FILE_NONE, &error))
                g_warning("generation %" G_GUINT64_FORMAT ": %s: %s", generation, meta_path, error->message);
        trigger = meta_string(meta, "Trigger");
        source = meta_string(meta, "Source");
        url = meta_string(meta, "Url");
        info->info = commit_info_new(trigger, source, url,
                                     g_key_file_get_uint64(meta, META_GROUP, "RunId", NULL));
        info->info->restored = g_key_file_get_uint64(meta, META_GROUP, "Restored", NULL);
        info->time = g_key_file_get_uint64(meta, META_GROUP, "Time", NULL);
        sections = g_key_file_get_string_list(meta, META_GROUP, "Sections", NULL, NULL);
        if (sections != NULL) {
                g_strfreev(info->info->sections);
                info->info->sections = g_steal_pointer(&sections);
        }
        return info;
}

/* ---- N.xml --------------------------------------------------------------------------- */

static gboolean link_unsupported(int errno_value) {
        return errno_value == EPERM || errno_value == EXDEV || errno_value == EMLINK ||
                errno_value == ENOTSUP || errno_value == EOPNOTSUPP || errno_value == ENOSYS;
}

/* @target becomes @source's file: a hard link (settings.xml is only ever replaced by a rename,
 * never written in place), or a copy where the file system has none. */
static gboolean link_or_copy(const char *source, const char *target, GError **error) {
        g_autofree char *contents = NULL;
        gsize length = 0;

        remove_file(target);
        if (link(source, target) == 0)
                return TRUE;
        if (!link_unsupported(errno)) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_STORAGE, "cannot link %s to %s: %s", target,
                            source, g_strerror(errno));
                return FALSE;
        }
        if (!g_file_get_contents(source, &contents, &length, error))
                return FALSE;
        return store_write_file_atomic(target, contents, length, error);
}

/* N.meta, then N.xml from @source, then the directory: N.xml exists only complete and with its meta. */
static GenerationInfo *keep_files(Generations *generations, guint64 generation, guint64 time,
                                  const CommitInfo *info, const char *source, GError **error) {
        g_autofree char *xml_path = file_path(generations, generation, ".xml");
        g_autofree char *meta_path = file_path(generations, generation, ".meta");
        GenerationInfo *kept;

        if (!write_meta(generations, generation, time, info, error) ||
            !link_or_copy(source, xml_path, error) || !store_sync_directory(generations->dir, error)) {
                remove_generation_files(generations, generation);
                return NULL;
        }
        kept = g_new0(GenerationInfo, 1);
        kept->generation = generation;
        kept->time = time;
        kept->size = file_size(xml_path) + file_size(meta_path);
        kept->info = commit_info_copy(info);
        return kept;
}

/* The oldest go first, while more than Keep are kept or they take more than MaxBytes;
 * the newest (the current settings) is never removed. */
static void prune(Generations *generations) {
        guint64 total = 0;

        for (guint i = 0; i < generations->kept->len; i++)
                total += ((GenerationInfo *) g_ptr_array_index(generations->kept, i))->size;
        while (generations->kept->len > 1 &&
               (generations->kept->len > generations->keep || total > generations->max_bytes)) {
                GenerationInfo *oldest = g_ptr_array_index(generations->kept, 0);

                g_info("generation %" G_GUINT64_FORMAT
                       " no longer kept ([Generations] Keep=%u, MaxBytes=%" G_GUINT64_FORMAT ")",
                       oldest->generation, generations->keep, generations->max_bytes);
                remove_generation_files(generations, oldest->generation);
                total -= MIN(total, oldest->size);
                g_ptr_array_remove_index(generations->kept, 0);
        }
}

/* ---- the commit hooks ------------------------------------------------------------------ */

static void on_prepare(const StoreCommit *commit, gpointer user_data) {
        Generations *generations = user_data;
        g_autoptr(GMutexLocker) G_GNUC_UNUSED locker = g_mutex_locker_new(&generations->lock);
        g_autoptr(CommitInfo) unknown = commit_info_new("", "", "", 0);
        g_autoptr(GError) error = NULL;

        g_clear_pointer(&generations->pending, generation_info_free);
        generations->pending = keep_files(generations, commit->generation, commit->time,
                                          commit->info != NULL ? commit->info : unknown, commit->temp_path,
                                          &error);
        if (generations->pending == NULL)
                g_warning("generation %" G_GUINT64_FORMAT " is not kept: %s", commit->generation,
                          error->message);
}

static void on_finish(const StoreCommit *commit, gboolean committed, gpointer user_data) {
        Generations *generations = user_data;
        g_autoptr(GMutexLocker) G_GNUC_UNUSED locker = g_mutex_locker_new(&generations->lock);
        GenerationInfo *pending = g_steal_pointer(&generations->pending);

        if (pending == NULL)
                return;
        if (!committed) {
                remove_generation_files(generations, pending->generation);
                generation_info_free(pending);
                return;
        }
        g_ptr_array_add(generations->kept, pending);
        prune(generations);
}

static const StoreCommitHooks commit_hooks = {
        .prepare = on_prepare,
        .finish = on_finish,
};

/* ---- start ---------------------------------------------------------------------------- */

static gint compare_generations(gconstpointer a, gconstpointer b) {
        const GenerationInfo *left = *(GenerationInfo *const *) a;
        const GenerationInfo *right = *(GenerationInfo *const *) b;

        return left->generation < right->generation ? -1 : left->generation > right->generation;
}

static gboolean is_kept(const Generations *generations, guint64 generation) {
        for (guint i = 0; i < generations->kept->len; i++)
                if (((GenerationInfo *) g_ptr_array_index(generations->kept, i))->generation == generation)
                        return TRUE;
        return FALSE;
}

/* What a kill left: temp files, generations newer than the settings (never committed), N.meta alone. */
static void scan(Generations *generations, guint64 current) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GDir) dir = g_dir_open(generations->dir, 0, &error);
        g_autoptr(GPtrArray) metas = g_ptr_array_new_with_free_func(g_free);
        const char *name;

        if (dir == NULL) {
                g_warning("%s", error->message);
                return;
        }
        while ((name = g_dir_read_name(dir)) != NULL) {
                g_autofree char *path = g_build_filename(generations->dir, name, NULL);
                guint64 generation = parse_name(name, ".xml");

                if (generation == 0 && parse_name(name, ".meta") == 0) {
                        /* temp files: N.meta.XXXXXX (GLib's), N.xml.tmp (a copy) */
                        g_message("removed %s, left by an interrupted write", path);
                        remove_file(path);
                } else if (generation > current) {
                        g_message("removed generation %" G_GUINT64_FORMAT ": its commit was interrupted",
                                  generation);
                        remove_generation_files(generations, generation);
                } else if (generation != 0) {
                        g_ptr_array_add(generations->kept, load_info(generations, generation));
                } else if (parse_name(name, ".meta") != 0) {
                        g_ptr_array_add(metas, g_strdup(name));
                }
        }
        for (guint i = 0; i < metas->len; i++) {
                const char *meta = g_ptr_array_index(metas, i);
                g_autofree char *path = g_build_filename(generations->dir, meta, NULL);

                if (!is_kept(generations, parse_name(meta, ".meta")))
                        remove_file(path);
        }
        g_ptr_array_sort(generations->kept, compare_generations);
}

/* The settings found at start have no generation of their own (the first start, a
 * release without generations, a generation that could not be written): keep them now. */
static void keep_current(Generations *generations) {
        Store *store = generations->store;
        guint64 current = store_get_generation(store);
        gboolean defaults = store_created_from_defaults(store);
        g_autoptr(CommitInfo)
                info = commit_info_new(defaults ? COMMIT_TRIGGER_DEFAULTS : COMMIT_TRIGGER_START, "", "", 0);
        g_autoptr(GPtrArray) sections = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GError) error = NULL;
        GenerationInfo *kept;

        if (defaults) {
                for (xmlNode *section =
                             xml_first_element_child(xmlDocGetRootElement(store_get_document(store)));
                     section != NULL; section = xml_next_element(section))
                        g_ptr_array_add(sections, g_strdup(xml_node_name(section)));
                g_ptr_array_add(sections, NULL);
                g_strfreev(info->sections);
                info->sections = (GStrv) g_ptr_array_steal(sections, NULL);
        }
        kept = keep_files(generations, current, store_get_last_change(store), info, store_get_path(store),
                          &error);
        if (kept == NULL) {
                g_warning("generation %" G_GUINT64_FORMAT " is not kept: %s", current, error->message);
                return;
        }
        g_ptr_array_add(generations->kept, kept);
}

Generations *generations_open(const char *state_dir, Store *store, guint keep, guint64 max_bytes) {
        Generations *generations = g_new0(Generations, 1);

        g_mutex_init(&generations->lock);
        generations->store = store;
        generations->keep = MAX(keep, 1);
        generations->max_bytes = max_bytes;
        generations->kept = g_ptr_array_new_with_free_func((GDestroyNotify) generation_info_free);
        generations->dir = g_build_filename(state_dir, GENERATIONS_DIR, NULL);
        if (g_mkdir_with_parents(generations->dir, 0700) < 0) {
                g_warning("cannot create %s: %s; no settings generations are kept", generations->dir,
                          g_strerror(errno));
                g_clear_pointer(&generations->dir, g_free);
                return generations;
        }
        scan(generations, store_get_generation(store));
        /* Generation 0: release 1's settings.xml without its settings.meta; the next commit is 1. */
        if (store_get_generation(store) != 0 && !is_kept(generations, store_get_generation(store)))
                keep_current(generations);
        prune(generations);
        store_set_commit_hooks(store, &commit_hooks, generations);
        return generations;
}

void generations_free(Generations *generations) {
        if (generations == NULL)
                return;
        if (generations->dir != NULL)
                store_set_commit_hooks(generations->store, NULL, NULL);
        g_clear_pointer(&generations->pending, generation_info_free);
        g_ptr_array_unref(generations->kept);
        g_free(generations->dir);
        g_mutex_clear(&generations->lock);
        g_free(generations);
}

GPtrArray *generations_list(Generations *generations) {
        g_autoptr(GMutexLocker) G_GNUC_UNUSED locker = g_mutex_locker_new(&generations->lock);
        GPtrArray *list = g_ptr_array_new_with_free_func((GDestroyNotify) generation_info_free);

        for (guint i = 0; i < generations->kept->len; i++)
                g_ptr_array_add(list, generation_info_copy(g_ptr_array_index(generations->kept, i)));
        return list;
}

static gboolean set_unknown(const Generations *generations, guint64 generation, GError **error) {
        const GenerationInfo *oldest, *newest;

        if (generations->kept->len == 0) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_UNKNOWN_GENERATION,
                            "generation %" G_GUINT64_FORMAT " is not kept: no generation is", generation);
                return FALSE;
        }
        oldest = g_ptr_array_index(generations->kept, 0);
        newest = g_ptr_array_index(generations->kept, generations->kept->len - 1);
        g_set_error(error, PROV_ERROR, PROV_ERROR_UNKNOWN_GENERATION,
                    "generation %" G_GUINT64_FORMAT " is not kept (kept: %" G_GUINT64_FORMAT
                    " to %" G_GUINT64_FORMAT ", see ListGenerations)",
                    generation, oldest->generation, newest->generation);
        return FALSE;
}

xmlDoc *generations_load(Generations *generations, guint64 generation, GError **error) {
        g_autoptr(GMutexLocker) G_GNUC_UNUSED locker = g_mutex_locker_new(&generations->lock);
        g_autofree char *path = NULL;
        g_autofree char *contents = NULL;
        g_autoptr(xmlDoc) doc = NULL;
        g_autoptr(GError) local_error = NULL;
        guint64 in_file = 0;
        gsize length = 0;

        if (!is_kept(generations, generation)) {
                set_unknown(generations, generation, error);
                return NULL;
        }
        path = file_path(generations, generation, ".xml");
        if (g_file_get_contents(path, &contents, &length, &local_error))
                doc = xml_parse_untrusted(contents, length, path, &local_error);
        if (doc == NULL) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_STORAGE, "generation %" G_GUINT64_FORMAT ": %s",
                            generation, local_error->message);
                return NULL;
        }
        /* A file of release 1's settings has no counters; any other must name its generation. */
        if (store_take_state(doc, &in_file, NULL) && in_file != generation) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_STORAGE,
                            "%s holds generation %" G_GUINT64_FORMAT ", not %" G_GUINT64_FORMAT, path,
                            in_file, generation);
                return NULL;
        }
        return g_steal_pointer(&doc);
}
