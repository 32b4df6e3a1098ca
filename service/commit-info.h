/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a commit of the settings was for: the metadata a settings generation
 * keeps (generations.h). A low header: the engine and the run fill it, the
 * working copy adds the changed sections, the store hands it to its commit
 * hooks without reading it.
 */
#pragma once

#include <glib.h>

/* The triggers of commits that are not runs (a run's is its request's trigger). */
#define COMMIT_TRIGGER_APPLY "apply"         /* ApplyFile */
#define COMMIT_TRIGGER_ROLLBACK "rollback"   /* Rollback */
#define COMMIT_TRIGGER_MIGRATION "migration" /* the stored settings migrated at start */
#define COMMIT_TRIGGER_DEFAULTS "defaults"   /* the factory defaults of the first start */
#define COMMIT_TRIGGER_START "start" /* found at start without a kept generation (see generations.h) */

/** CommitInfo: all strings owned, never NULL ("" when unknown). */
typedef struct {
        char *trigger;    /* a run's trigger ("manual", "boot", …), a COMMIT_TRIGGER_*, or "check-sync" */
        char *source;     /* a run's source (run_source_name(), as discovered), "file" for ApplyFile,
                           * "check-sync" for a CheckSync body, else "" */
        char *url;        /* a run's start URL without credentials (url_redact()), else "" */
        guint64 run_id;   /* the run's id, 0 for anything else */
        guint64 restored; /* Rollback: the generation restored; else 0 */
        GStrv sections;   /* the sections the commit changed, in document order; never NULL */
} CommitInfo;

/** commit_info_new: an info with no sections; NULL strings become "". */
CommitInfo *commit_info_new(const char *trigger, const char *source, const char *url, guint64 run_id);

CommitInfo *commit_info_copy(const CommitInfo *info);

void commit_info_free(CommitInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CommitInfo, commit_info_free)
