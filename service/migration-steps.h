/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The steps that bring one settings section from one schema version to the
 * next, read from a data file (schemas/sections/<section>/<to>.migration.xml)
 * and interpreted here; adding a version needs no C change. The step kinds
 * are one table in migration-steps.c: rename, move, setDefault, remove,
 * mapValue, renameAttribute. Paths are relative to the section element,
 * '/'-separated element names, '*' matches any name; a step acts on every
 * element the path matches. Each step walks the section once: the cost is
 * linear in the size of the section.
 */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

typedef struct MigrationSteps MigrationSteps;

/**
 * migration_steps_load:
 * Reads the step file at @path: root <migration section="…" from="x.y.z"
 * to="x.y.z"> with one element per step. Fails with PROV_ERROR_FAILED naming
 * the file and the offending step for an unknown step kind, a missing or
 * malformed attribute, or a @section other than @section_name.
 */
MigrationSteps *migration_steps_load(const char *path, const char *section_name, GError **error);

void migration_steps_free(MigrationSteps *steps);

/** migration_steps_get_from: the version the steps start from, as written in the file. */
const char *migration_steps_get_from(const MigrationSteps *steps);

/** migration_steps_get_to: the version the steps lead to. */
const char *migration_steps_get_to(const MigrationSteps *steps);

/** What is being migrated, which decides whether new settings get their defaults. */
typedef enum {
        MIGRATION_WHOLE,   /* a complete section (stored settings, a replacing patch): defaults are added */
        MIGRATION_PARTIAL, /* a patch to merge: what it leaves out stays as stored, so no defaults */
} MigrationMode;

/**
 * migration_steps_apply:
 * Applies every step, in file order, to @section (the section element);
 * with MIGRATION_PARTIAL, steps that fill in defaults (setDefault) are skipped.
 */
void migration_steps_apply(const MigrationSteps *steps, xmlNode *section, MigrationMode mode);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MigrationSteps, migration_steps_free)
