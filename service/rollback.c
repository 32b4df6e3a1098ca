/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "rollback.h"

#include "xml-cleanup.h"

Document *rollback_document_new(Generations *generations, guint64 generation, GError **error) {
        g_autoptr(xmlDoc) doc = generations_load(generations, generation, error);

        if (doc == NULL)
                return NULL;
        /* The whole generation comes back: what was added since is replaced too. */
        xmlSetProp(xmlDocGetRootElement(doc), (const xmlChar *) "patchDefault", (const xmlChar *) "false");
        return document_new(g_strdup_printf("generation %" G_GUINT64_FORMAT, generation), DOCUMENT_PATCH,
                            g_steal_pointer(&doc));
}

CommitInfo *rollback_commit_info(guint64 generation) {
        g_autofree char *source = g_strdup_printf("generation %" G_GUINT64_FORMAT, generation);
        CommitInfo *info = commit_info_new(COMMIT_TRIGGER_ROLLBACK, source, "", 0);

        info->restored = generation;
        return info;
}
