/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Rollback: a kept settings generation as a document for the working copy, so
 * that a rollback takes the path of every other change (migrate, strip,
 * validate, changed sections, one commit) and becomes a new generation itself.
 */
#pragma once

#include <glib.h>

#include "document.h"
#include "generations.h"

/**
 * rollback_document_new:
 * The settings of kept generation @generation as a patch document that
 * replaces every section it has (<configuration patchDefault="false">):
 * applied to the working copy, each section is migrated from its version like
 * a backup's. Sections the generation lacks are left as they are. Errors are
 * generations_load()'s (PROV_ERROR_UNKNOWN_GENERATION, PROV_ERROR_STORAGE).
 */
Document *rollback_document_new(Generations *generations, guint64 generation, GError **error);

/** rollback_commit_info: what a rollback to @generation is recorded as (trigger "rollback"). */
CommitInfo *rollback_commit_info(guint64 generation);
