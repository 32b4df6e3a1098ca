/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What applying documents to a working copy did: the touched sections and how,
 * warnings, discarded sections, and the sections that really changed. A low
 * header: the patch and operations stages fill these types, the working copy
 * and the engine read them; it includes nothing of theirs.
 */
#pragma once

#include <glib.h>

/* How a section was changed, as SectionApplied and ApplyFile report it. */
#define HOW_REPLACE "replace"
#define HOW_MERGE "merge"
#define HOW_OPERATIONS "operations"
#define HOW_ROLLBACK "rollback" /* Rollback: the section is restored from a kept generation */

/** SectionChange: one section whose stored content changed. All strings owned. */
typedef struct {
        char *section;
        char *version;
        char *how; /* HOW_REPLACE, HOW_MERGE or HOW_OPERATIONS */
} SectionChange;

void section_change_free(SectionChange *change);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SectionChange, section_change_free)

/**
 * ApplyResult: what a sequence of applies did to a working copy.
 * @touched maps section name (owned) -> how it was last touched (a static
 * HOW_* string).
 */
typedef struct {
        GHashTable *touched;
        GPtrArray *warnings; /* char*, e.g. "stripped unknown element /telephony/fooBar" */
        GPtrArray *discarded; /* char*, "section: reason" for sections an operations document could not change */
} ApplyResult;

ApplyResult *apply_result_new(void);
void apply_result_free(ApplyResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ApplyResult, apply_result_free)

/**
 * ApplyOutcome: what an apply job (apply-queue.h) hands back to the main
 * thread; all owned.
 */
typedef struct {
        ApplyResult *result; /* touched sections, warnings, discarded */
        GPtrArray *changes;  /* SectionChange*, NULL on failure */
        GError *error;       /* set on failure */
} ApplyOutcome;

void apply_outcome_clear(ApplyOutcome *outcome);
