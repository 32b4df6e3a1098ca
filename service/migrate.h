/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Bringing settings written for an older release to the current schema
 * version: a section's version comes from its `version` attribute, else from
 * the newest former XSD that accepts it, else it is 0.0.0 (older than every
 * known version); then the migration steps of every newer version are applied
 * in order (schema_set_migrate_section()). Used for each section of a patch
 * document before it is stripped and merged, and for the stored settings when
 * the daemon starts. Operations documents are not migrated.
 */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "schema.h"

/**
 * migrate_section:
 * Migrates @section (a known section) to its current version and sets its
 * `version` attribute to that version. A declared version older than every
 * version of the section's history (such as 0.0.0) gets every step. A
 * version attribute that is not x.y.z, names a version newer than the
 * current one, or one between two versions of the history that no release
 * pins (it is unclear which steps it needs) fails with
 * PROV_ERROR_UNSUPPORTED_VERSION, naming the section and the version;
 * @section is then unchanged.
 */
gboolean migrate_section(const SchemaSet *schemas, xmlNode *section, MigrationMode mode, GError **error);

/**
 * migrate_store_document:
 * Migrates every known section of the stored settings @doc whose version is
 * not the current one, as migrate_section() does, then strips what the
 * current XSD does not know. A section that cannot be migrated (a newer
 * release's, after a downgrade) is kept as it is. Everything removed or kept
 * is reported in @warnings. Sections the current release does not know are
 * left alone. Returns whether any section was migrated.
 */
gboolean migrate_store_document(xmlDoc *doc, const SchemaSet *schemas, GPtrArray *warnings);

/**
 * migrate_store_document_needed:
 * Whether migrate_store_document() would have anything to do on @doc: a
 * known section whose version is not the current one. Reads only.
 */
gboolean migrate_store_document_needed(xmlDoc *doc, const SchemaSet *schemas);
