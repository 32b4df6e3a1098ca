/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kept settings generations: STATE_DIR/generations/N.xml, each the
 * complete settings.xml that generation N committed (its STORE_STATE_PI
 * included), and N.meta beside it, a GKeyFile with what the commit was for
 * (CommitInfo: trigger, source, redacted URL, run id, changed sections).
 * docs/generations.md explains the design; the order of the writes is what
 * makes it crash-safe:
 *
 *   1. the store writes settings.xml.tmp and fsyncs it;
 *   2. N.meta is written atomically (temp file, fsync, rename);
 *   3. N.xml becomes a hard link to settings.xml.tmp (a copy where the file
 *      system has no hard links), and generations/ is fsynced, once for both;
 *   4. the store renames settings.xml.tmp to settings.xml;
 *   5. the oldest generations beyond [Generations] Keep or MaxBytes are removed,
 *      N.xml before N.meta; the current one never.
 *
 * A kill before 4 leaves an N.xml newer than settings.xml: it was never
 * committed, and generations_open() removes it, as it removes temp files (any
 * name other than N.xml and N.meta), N.meta without N.xml, and repeats 5. So every N.xml that is kept holds
 * exactly the settings generation N committed, and a rollback never sees a
 * generation that did not happen. Neither writing nor pruning generations can
 * fail a commit: a generation that cannot be written is logged and missing,
 * and the next start keeps the current settings as a generation again
 * (trigger COMMIT_TRIGGER_START).
 *
 * Thread-safe: the commit hooks may run in another thread than the readers.
 */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "commit-info.h"
#include "store.h"

#define GENERATIONS_DIR "generations"

typedef struct Generations Generations;

/** GenerationInfo: one kept generation. */
typedef struct {
        guint64 generation;
        guint64 time;     /* µs since the epoch: the commit's last-change */
        guint64 size;     /* bytes of N.xml and N.meta */
        CommitInfo *info; /* owned */
} GenerationInfo;

void generation_info_free(GenerationInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GenerationInfo, generation_info_free)

/**
 * generations_open:
 * Opens (creates) @state_dir/generations for @store (borrowed: must outlive
 * the result; the commit hooks are set on it), cleans up after a crash (see
 * above), keeps the current settings if no generation holds them, and prunes
 * to @keep generations (at least 1) and @max_bytes. Problems are logged: this
 * never fails, and without a usable directory no generation is kept.
 */
Generations *generations_open(const char *state_dir, Store *store, guint keep, guint64 max_bytes);

/** generations_free: removes the commit hooks from the store. */
void generations_free(Generations *generations);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Generations, generations_free)

/** generations_list: copies of the kept generations (GenerationInfo*), oldest first. */
GPtrArray *generations_list(Generations *generations);

/**
 * generations_load:
 * The settings of kept generation @generation (newly allocated, without the
 * STORE_STATE_PI), parsed as untrusted input. PROV_ERROR_UNKNOWN_GENERATION
 * when it is not kept; PROV_ERROR_STORAGE when its file cannot be read or is
 * not the generation its name says.
 */
xmlDoc *generations_load(Generations *generations, guint64 generation, GError **error);
