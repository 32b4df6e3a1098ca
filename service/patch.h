/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Applying patch documents (<configuration> or a bare section) to a working
 * copy of the settings: per section migrate, strip, then replace or merge.
 * Nothing here touches the disk; validation and change detection are the
 * working copy's (working-copy.h).
 */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "apply-result.h"
#include "schema.h"

/**
 * patch_apply:
 * Applies the patch document @patch to @working (a <configuration> document):
 * per section, migrates it to the current version (see migrate_section();
 * an unsupported version fails with PROV_ERROR_UNSUPPORTED_VERSION before
 * anything is applied), strips what the schema does not know, then replaces
 * or merges.
 * @patch is used up (its nodes are moved into @working; the caller frees it). Records
 * touched sections (HOW_REPLACE or HOW_MERGE) and warnings in @result. Does
 * not validate: see working_copy_validate_touched().
 */
gboolean patch_apply(xmlDoc *working, xmlDoc *patch, const SchemaSet *schemas, ApplyResult *result,
                     GError **error);

/**
 * patch_prepare:
 * The first half of patch_apply(): the sections of @patch (PatchSection, see
 * document.h; an array freed with g_array_unref()), each migrated and
 * stripped, warnings in @result. Errors as patch_apply(). Nothing is applied.
 */
GArray *patch_prepare(xmlDoc *patch, const SchemaSet *schemas, ApplyResult *result, GError **error);

/**
 * patch_apply_prepared:
 * The second half: replaces or merges each of @sections (from
 * patch_prepare()) into @working, moving their nodes, and records them as
 * touched in @result.
 */
void patch_apply_prepared(xmlDoc *working, GArray *sections, const SchemaSet *schemas, ApplyResult *result);
