/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "bus-caller.h"

#include <grp.h>
#include <glib.h>

#include "prov-sd-bus-cleanup.h"

static gboolean has_group(sd_bus_creds *creds, gid_t group) {
        const gid_t *groups = NULL;
        gid_t effective;
        int count;

        if (sd_bus_creds_get_egid(creds, &effective) >= 0 && effective == group)
                return TRUE;
        count = sd_bus_creds_get_supplementary_gids(creds, &groups);
        for (int i = 0; i < count; i++)
                if (groups[i] == group)
                        return TRUE;
        return FALSE;
}

int bus_caller_may_change_settings(sd_bus_message *message) {
        g_autoptr(sd_bus_creds) creds = NULL;
        const struct group *privileged;
        uid_t user;
        int r;

        r = sd_bus_query_sender_creds(message,
                                      SD_BUS_CREDS_EUID | SD_BUS_CREDS_EGID | SD_BUS_CREDS_SUPPLEMENTARY_GIDS |
                                              SD_BUS_CREDS_AUGMENT,
                                      &creds);
        if (r < 0)
                return r;
        r = sd_bus_creds_get_euid(creds, &user);
        if (r < 0)
                return r;
        if (user == 0)
                return 1;
        privileged = getgrnam(BUS_PRIVILEGED_GROUP);
        return privileged != NULL && has_group(creds, privileged->gr_gid);
}
