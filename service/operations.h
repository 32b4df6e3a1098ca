/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Operations documents: <operations> with <delete>, <replace> and <add>
 * children, each with an XPath `path` rooted at a section. Applied in document
 * order to a working copy; a section whose operations fail, or whose result
 * is invalid, is restored to what it was before the document and reported.
 */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "apply-result.h"
#include "schema.h"

/* More operations than this in one document are refused: nobody writes them by
 * hand, and each is an XPath evaluation on the main loop. */
#define OPERATIONS_MAX 4096

/* XPath steps (libxml2's opCount) all paths of one document may take together.
 * An honest path on settings of a few hundred nodes takes hundreds. */
#define OPERATIONS_XPATH_BUDGET 16000000

/* Nodes (elements, attributes, text) one document's <add> and <replace>
 * operations may create together: copies multiply by the number of targets. */
#define OPERATIONS_MAX_NODES_CREATED 100000

/**
 * operations_apply:
 * Applies the operations document @operations to @working. Sections changed
 * and valid are recorded in @result->touched with how "operations";
 * discarded ones are appended to @result->discarded ("section: reason") and
 * to @result->warnings. Fails only for a malformed document (unknown
 * operation element, missing path, more than OPERATIONS_MAX operations) or
 * one that costs more than its budget (OPERATIONS_XPATH_BUDGET,
 * OPERATIONS_MAX_NODES_CREATED): PROV_ERROR_INVALID_FILE, @working is then
 * to be thrown away.
 */
gboolean operations_apply(xmlDoc *working, xmlDoc *operations, const SchemaSet *schemas, ApplyResult *result,
                          GError **error);
