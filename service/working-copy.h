/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The working copy: one all-or-nothing change of the stored settings, shared
 * by ApplyFile and runs. Built from the committed settings, every document is
 * applied to it in order (patch_apply() or operations_apply()), the touched
 * sections are validated, the sections that really changed are detected, and
 * the result is committed once, or dropped. Takes the store and the schemas,
 * never the engine; reports nothing itself.
 */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "apply-queue.h"
#include "apply-result.h"
#include "commit-info.h"
#include "document.h"
#include "schema.h"
#include "store.h"

typedef struct WorkingCopy WorkingCopy;

/**
 * working_copy_new:
 * A working copy of @store's committed settings. @store and @schemas are
 * borrowed: they must outlive the working copy. The settings are copied when
 * the first document is applied (so that a commit made before, an ApplyFile
 * during a run's downloads, is kept), and what that document replaces anyway
 * is not copied: a section it replaces, keyed list elements its merge
 * replaces (merge_copy_for()).
 */
WorkingCopy *working_copy_new(Store *store, const SchemaSet *schemas);

void working_copy_free(WorkingCopy *copy);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WorkingCopy, working_copy_free)

/**
 * working_copy_apply:
 * Applies @document (borrowed, but a patch document is used up: its nodes are
 * moved into the working copy; drop it afterwards) to the working copy. A reference document fails with
 * PROV_ERROR_REFERENCE_NOT_ALLOWED; other errors are the stage's (patch.h,
 * operations.h). After a failure the working copy must be dropped.
 */
gboolean working_copy_apply(WorkingCopy *copy, Document *document, GError **error);

/**
 * working_copy_apply_all:
 * working_copy_apply() for each Document* of @documents in order, then
 * working_copy_validate(). Stops at the first error; an apply error is prefixed
 * with the failing document's origin ("URL: …"), as a run applies many files.
 */
gboolean working_copy_apply_all(WorkingCopy *copy, GPtrArray *documents, GError **error);

/** working_copy_validate: validates the touched sections (see working_copy_validate_touched()). */
gboolean working_copy_validate(WorkingCopy *copy, GError **error);

/**
 * working_copy_commit:
 * Detects the changed sections and, if there is any, commits the working
 * copy to the store (store_commit(): PROV_ERROR_STORAGE on failure). Returns
 * the changed sections (SectionChange*, possibly none), or NULL on error.
 * Call once, after working_copy_validate(); the copy is spent afterwards.
 */
GPtrArray *working_copy_commit(WorkingCopy *copy, GError **error);

/**
 * working_copy_conclude:
 * Ends an apply job (see apply-queue.h): when @applied (the documents
 * applied and validated), commits as working_copy_commit() does, holding
 * @queue's store lock, into @outcome's changes (or error); then hands the
 * result over to @outcome. The copy is spent.
 */
void working_copy_conclude(WorkingCopy *copy, gboolean applied, ApplyQueue *queue, ApplyOutcome *outcome);

/**
 * working_copy_set_commit_info:
 * What the commit is for (copied), recorded with its settings generation
 * (generations.h); working_copy_commit() adds the changed sections.
 */
void working_copy_set_commit_info(WorkingCopy *copy, const CommitInfo *info);

/**
 * working_copy_validate_touched:
 * Validates every section of @working that @result touched, failing with
 * PROV_ERROR_VALIDATION on the first invalid one.
 */
gboolean working_copy_validate_touched(xmlDoc *working, const SchemaSet *schemas, const ApplyResult *result,
                                       GError **error);

/**
 * working_copy_changed_sections:
 * Compares the touched sections of @working with @before and returns a
 * SectionChange for each whose content differs (xml_tree_equal()), in @working's
 * document order.
 */
GPtrArray *working_copy_changed_sections(xmlDoc *before, xmlDoc *working, const ApplyResult *result);
