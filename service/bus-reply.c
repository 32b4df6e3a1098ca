/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "bus-reply.h"

#include <errno.h>

#include "apply-result.h"
#include "bus-error.h"
#include "prov-sd-bus-cleanup.h"
#include "provision-error.h"

int bus_read_no_options(sd_bus_message *message, GError **error) {
        const char *key;
        int r;

        r = sd_bus_message_enter_container(message, 'a', "{sv}");
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(message, 'e', "sv");
        if (r < 0)
                return r;
        if (r > 0) {
                r = sd_bus_message_read(message, "s", &key);
                if (r < 0)
                        return r;
                g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_ARGS, "unknown option '%s'", key);
                return -EINVAL;
        }
        return sd_bus_message_exit_container(message);
}

static int append_changes(sd_bus_message *reply, GPtrArray *changes) {
        int r = sd_bus_message_open_container(reply, 'a', "(sss)");

        for (guint i = 0; r >= 0 && i < changes->len; i++) {
                const SectionChange *change = g_ptr_array_index(changes, i);
                r = sd_bus_message_append(reply, "(sss)", change->section, change->version, change->how);
        }
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

void bus_reply_section_changes(sd_bus_message *message, GPtrArray *changes, const GError *failure,
                               const char *method) {
        g_autoptr(sd_bus_message) call = message;
        g_autoptr(sd_bus_message) reply = NULL;
        int r;

        if (changes == NULL) {
                g_auto(sd_bus_error) error = SD_BUS_ERROR_NULL;
                bus_error_set_from_gerror(&error, failure);
                r = sd_bus_reply_method_error(call, &error);
        } else {
                r = sd_bus_message_new_method_return(call, &reply);
                if (r >= 0)
                        r = append_changes(reply, changes);
                if (r >= 0)
                        r = sd_bus_send(NULL, reply, NULL);
        }
        if (r < 0)
                g_warning("cannot reply to %s: %s", method, g_strerror(-r));
}
