/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Which settings are secrets (passwords and password hashes): the one rule. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

/** secrets_is_secret: whether the element @node holds a secret. */
gboolean secrets_is_secret(const xmlNode *node);

/** secrets_remove: removes every secret element below @root; returns how many. */
guint secrets_remove(xmlNode *root);
