/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The current release's settings schemas: which sections exist, in which
 * order, at which version, and validation of one section against its XSD.
 */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

typedef struct SchemaSet SchemaSet;

/**
 * schema_set_load:
 * Reads @schemas_dir/releases.conf, takes its [Releases] Current release and
 * compiles sections/<name>/<version>.xsd for each section of that release.
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

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SchemaSet, schema_set_free)
