/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The stored settings: STATE_DIR/settings.xml, replaced atomically (temp
 * file, fsync, rename, fsync of the directory: two fsyncs) so that a reader
 * or a crash only ever sees the old or the new file. The generation counter
 * and the time of the last change are part of the same file, a processing
 * instruction before the root element:
 *
 *   <?provisiond generation="12" last-change="1764500000000000"?>
 *
 * so a commit changes settings and generation in one rename. The in-memory
 * document never carries it (Backup does not show it). STATE_DIR/settings.meta,
 * where release 1 kept the counters, is read once when settings.xml has no
 * such instruction and removed by the next commit. Temp files a crash left
 * (settings.xml.tmp, settings.meta.tmp) are removed by store_open().
 */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "commit-info.h"

#define STORE_SETTINGS_FILE "settings.xml"
#define STORE_META_FILE "settings.meta" /* release 1 only: read for migration */
#define STORE_STATE_PI "provisiond"

typedef struct Store Store;

/**
 * store_open:
 * Loads @state_dir/settings.xml. Without one, loads @defaults_file and
 * commits it as the first settings. Fails if neither can be read.
 */
Store *store_open(const char *state_dir, const char *defaults_file, GError **error);

void store_free(Store *store);

/** store_get_document: the committed settings (owned by @store; do not modify). */
xmlDoc *store_get_document(const Store *store);

/** store_copy_document: a working copy of the committed settings. */
xmlDoc *store_copy_document(const Store *store);

/** store_get_section: the committed section element named @name, or NULL (owned by @store; do not modify). */
xmlNode *store_get_section(const Store *store, const char *name);

/**
 * store_get_setting:
 * The text of /@section/@element in the committed settings, with leading and
 * trailing whitespace removed (newly allocated), or NULL when the section or
 * the element is absent or the text is empty. Safe on any thread, also while
 * another thread commits (unlike store_get_section() and store_get_document(),
 * whose pointers a commit frees: see apply-queue.h for the lock to hold).
 */
char *store_get_setting(const Store *store, const char *section, const char *element);

/**
 * store_set_max_size:
 * The largest settings.xml, in bytes, that store_commit() writes (0: no cap).
 * A bigger commit fails with PROV_ERROR_SETTINGS_TOO_LARGE and changes nothing.
 */
void store_set_max_size(Store *store, gsize max_size);

/**
 * store_commit:
 * Makes @doc (ownership taken, also on failure) the stored settings. Returns
 * only after the new file is durable. On failure the old file and the
 * in-memory settings stay as they were; the error is PROV_ERROR_STORAGE.
 */
gboolean store_commit(Store *store, xmlDoc *doc, GError **error);

/**
 * StoreCommit: one commit, as the commit hooks see it.
 * @generation and @time (µs since the epoch) are those in the new file's
 * STORE_STATE_PI; @data/@length its bytes; @temp_path the complete, durable
 * new file before it is renamed to settings.xml (prepare only; the hook may
 * hard-link it, never write to it); @info what the commit was for, or NULL.
 */
typedef struct {
        guint64 generation;
        guint64 time;
        const char *data;
        gsize length;
        const char *temp_path;
        const CommitInfo *info;
} StoreCommit;

/**
 * StoreCommitHooks: called by store_commit_with_info() in the committing thread.
 * @prepare: the new file is durable under @temp_path, settings.xml is still
 *   the old one. A crash from here on leaves the old settings.
 * @finish: settings.xml is now the new file (@committed) or stays the old one
 *   (the rename failed). Not called when @prepare was not (size cap, write failure).
 * Neither can fail the commit.
 */
typedef struct {
        void (*prepare)(const StoreCommit *commit, gpointer user_data);
        void (*finish)(const StoreCommit *commit, gboolean committed, gpointer user_data);
} StoreCommitHooks;

/** store_set_commit_hooks: @hooks (copied; NULL: none) for every later commit. */
void store_set_commit_hooks(Store *store, const StoreCommitHooks *hooks, gpointer user_data);

/**
 * store_commit_with_info:
 * store_commit() with @info (borrowed, may be NULL) for the commit hooks.
 */
gboolean store_commit_with_info(Store *store, xmlDoc *doc, const CommitInfo *info, GError **error);

/**
 * store_take_state:
 * Removes the STORE_STATE_PI from @doc (a settings file as parsed) and sets
 * @generation and @last_change (either may be NULL) from it. FALSE when @doc
 * has none (release 1's files, or not a settings file).
 */
gboolean store_take_state(xmlDoc *doc, guint64 *generation, guint64 *last_change);

/** store_get_path: STATE_DIR/settings.xml (owned by @store). */
const char *store_get_path(const Store *store);

/** store_created_from_defaults: whether store_open() committed the factory defaults. */
gboolean store_created_from_defaults(const Store *store);

/** store_get_generation: how many commits changed the settings, over the store's life. */
guint64 store_get_generation(const Store *store);

/** store_get_last_change: µs since the epoch of the last commit, 0 if never. */
guint64 store_get_last_change(const Store *store);

/**
 * store_write_file_atomic:
 * Writes @length bytes to @path (mode 0600) through @path.tmp, fsync and
 * rename, then fsyncs the directory. On failure @path is untouched and the
 * temp file removed.
 */
gboolean store_write_file_atomic(const char *path, const char *data, gsize length, GError **error);

/**
 * store_sync_directory:
 * fsyncs @directory, so that the names created or renamed in it survive a crash
 * (PROV_ERROR_STORAGE naming it when it cannot be opened or synced).
 */
gboolean store_sync_directory(const char *directory, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Store, store_free)
