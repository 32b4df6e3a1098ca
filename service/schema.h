/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The settings schemas of every release in releases.conf: which sections the
 * current release has, in which order, at which version; validation of a
 * section against its XSD; and each section's history (every version some
 * release pins, with its XSD and the migration steps that lead to it), used
 * to detect a section's version and to migrate it to the current one.
 */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "migration-steps.h"
#include "version.h"

/* The attribute of every section that names its schema version. */
#define SECTION_VERSION_ATTRIBUTE "version"

typedef struct SchemaSet SchemaSet;

/**
 * schema_set_load:
 * Reads @schemas_dir/releases.conf. The [Releases] Current release names the
 * sections and their current versions; every other group is a former release
 * pinning older versions. For each section of the current release, compiles
 * sections/<name>/<current version>.xsd and reads
 * sections/<name>/<version>.migration.xml of every version any release pins,
 * where present (the steps from the previous version). Fails on a missing or
 * broken file, a version newer than the current one, or steps that do not
 * lead from the previous version. The XSDs of former versions are compiled on
 * first use (detection, schema_set_validate_section_as()), from any thread;
 * one that does not compile is logged then and accepts nothing.
 */
SchemaSet *schema_set_load(const char *schemas_dir, GError **error);

void schema_set_free(SchemaSet *set);

/** schema_set_release: the name of the current release, e.g. "2.2A". */
const char *schema_set_release(const SchemaSet *set);

/** schema_set_sections: the section names in canonical order (NULL-terminated, owned by @set). */
const char *const *schema_set_sections(const SchemaSet *set);

/** schema_set_section_version: the current version of @section, or NULL if it is not a section. */
const char *schema_set_section_version(const SchemaSet *set, const char *section);

/**
 * schema_set_strip_unknown:
 * Removes what the section's XSD does not know from @section, reporting each
 * removal in @warnings. @section must be a known section.
 */
void schema_set_strip_unknown(const SchemaSet *set, xmlNode *section, GPtrArray *warnings);

/**
 * schema_set_validate_section:
 * Validates @section against its XSD. Fails with PROV_ERROR_VALIDATION
 * naming the section, the offending node and libxml2's reason.
 */
gboolean schema_set_validate_section(const SchemaSet *set, xmlNode *section, GError **error);

/**
 * schema_set_section_history:
 * The versions of @section that some release pins, oldest first, the current
 * one last (NULL-terminated, owned by @set); NULL if @section is not a section.
 */
const char *const *schema_set_section_history(const SchemaSet *set, const char *section);

/**
 * schema_set_validate_section_as:
 * Validates @section against the XSD of @version, one of its history, as if
 * its version attribute said @version (the attribute is restored afterwards).
 * Fails with PROV_ERROR_VALIDATION like schema_set_validate_section().
 */
gboolean schema_set_validate_section_as(const SchemaSet *set, xmlNode *section, const char *version,
                                        GError **error);

/**
 * schema_set_detect_version:
 * The newest version of @section's history whose XSD accepts @section (see
 * schema_set_validate_section_as()), or NULL if none does.
 */
const char *schema_set_detect_version(const SchemaSet *set, xmlNode *section);

/**
 * schema_set_migrate_section:
 * Applies to @section, oldest first, the migration steps of every version in
 * its history newer than @from. Afterwards @section has the shape of the
 * current version (its version attribute is not touched).
 */
void schema_set_migrate_section(const SchemaSet *set, xmlNode *section, const Version *from, MigrationMode mode);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SchemaSet, schema_set_free)
