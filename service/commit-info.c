/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "commit-info.h"

CommitInfo *commit_info_new(const char *trigger, const char *source, const char *url, guint64 run_id) {
        CommitInfo *info = g_new0(CommitInfo, 1);

        info->trigger = g_strdup(trigger != NULL ? trigger : "");
        info->source = g_strdup(source != NULL ? source : "");
        info->url = g_strdup(url != NULL ? url : "");
        info->run_id = run_id;
        info->sections = g_new0(char *, 1);
        return info;
}

CommitInfo *commit_info_copy(const CommitInfo *info) {
        CommitInfo *copy = commit_info_new(info->trigger, info->source, info->url, info->run_id);

        copy->restored = info->restored;
        g_strfreev(copy->sections);
        copy->sections = g_strdupv(info->sections);
        return copy;
}

void commit_info_free(CommitInfo *info) {
        if (info == NULL)
                return;
        g_free(info->trigger);
        g_free(info->source);
        g_free(info->url);
        g_strfreev(info->sections);
        g_free(info);
}
