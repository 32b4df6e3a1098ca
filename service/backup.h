/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Backup: the stored settings as a replace document that restores them exactly. */
#pragma once

#include <glib.h>

#include "schema.h"
#include "store.h"

/**
 * backup_generate:
 * A patch document <configuration patchDefault="false"> of the named
 * sections of @store (NULL or empty: all) in canonical order (releases.conf),
 * as a newly allocated string. Without @include_secrets, passwords are left
 * out (see secrets.h) and a comment says so. An unknown name fails with
 * PROV_ERROR_INVALID_ARGS. @store and @schemas are borrowed.
 */
char *backup_generate(const Store *store, const SchemaSet *schemas, const char *const *sections,
                      gboolean include_secrets, GError **error);
