/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Applying documents to a working copy of the settings, and finding out
 * afterwards which sections really changed. Nothing here touches the disk.
 */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "schema.h"

/* How a section was changed, as SectionApplied and ApplyFile report it. */
#define HOW_REPLACE "replace"
#define HOW_MERGE "merge"
#define HOW_OPERATIONS "operations"

typedef struct {
        char *section;
        char *version;
        char *how; /* "replace" or "merge" */
} SectionChange;

void section_change_free(SectionChange *change);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SectionChange, section_change_free)

/**
 * ApplyResult: what a sequence of applies did to a working copy.
 * @touched maps section name -> how it was last touched ("replace", "merge", "operations").
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
 * patch_apply:
 * Applies the patch document @patch to @working (a <configuration> document):
 * per section, migrates it to the current version (see migrate_section();
 * an unsupported version fails with PROV_ERROR_UNSUPPORTED_VERSION before
 * anything is applied), strips what the schema does not know, then replaces
 * or merges.
 * @patch is modified (stripped). Records touched sections and warnings in
 * @result. Does not validate: see apply_validate_touched().
 */
gboolean patch_apply(xmlDoc *working, xmlDoc *patch, const SchemaSet *schemas, ApplyResult *result,
                              GError **error);

/**
 * apply_validate_touched:
 * Validates every section of @working that @result touched, failing with
 * PROV_ERROR_VALIDATION on the first invalid one.
 */
gboolean apply_validate_touched(xmlDoc *working, const SchemaSet *schemas, const ApplyResult *result,
                                GError **error);

/**
 * apply_changed_sections:
 * Compares the touched sections of @working with @before and returns a
 * SectionChange for each whose serialized content differs, in @working's
 * document order.
 */
GPtrArray *apply_changed_sections(xmlDoc *before, xmlDoc *working, const ApplyResult *result);

/** apply_find_section: the section element named @name below @doc's root, or NULL. */
xmlNode *apply_find_section(xmlDoc *doc, const char *name);
