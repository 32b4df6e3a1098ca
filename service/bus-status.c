/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "bus-status.h"

#include <errno.h>
#include <glib.h>

typedef int (*AppendStatusFunc)(sd_bus_message *reply, const EngineStatus *status);

static int append_state(sd_bus_message *reply, const EngineStatus *status) {
        return sd_bus_message_append(reply, "s", status->state);
}

static int append_last_result(sd_bus_message *reply, const EngineStatus *status) {
        return sd_bus_message_append(reply, "s", status->last_result);
}

static int append_last_error(sd_bus_message *reply, const EngineStatus *status) {
        return sd_bus_message_append(reply, "(ss)", status->last_error_name, status->last_error_message);
}

static int append_last_warnings(sd_bus_message *reply, const EngineStatus *status) {
        return sd_bus_message_append_strv(reply, (char **)status->last_warnings);
}

static int append_last_change(sd_bus_message *reply, const EngineStatus *status) {
        return sd_bus_message_append(reply, "t", status->last_change);
}

static int append_settings_generation(sd_bus_message *reply, const EngineStatus *status) {
        return sd_bus_message_append(reply, "t", status->settings_generation);
}

static const struct {
        const char *name;
        const char *signature;
        AppendStatusFunc append;
} status_properties[] = {
        { ENGINE_PROPERTY_STATE, "s", append_state },
        { ENGINE_PROPERTY_LAST_RESULT, "s", append_last_result },
        { ENGINE_PROPERTY_LAST_ERROR, "(ss)", append_last_error },
        { ENGINE_PROPERTY_LAST_WARNINGS, "as", append_last_warnings },
        { ENGINE_PROPERTY_LAST_CHANGE, "t", append_last_change },
        { ENGINE_PROPERTY_SETTINGS_GENERATION, "t", append_settings_generation },
};

int bus_status_get_property(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        const EngineStatus status = engine_get_status(userdata);

        for (gsize i = 0; i < G_N_ELEMENTS(status_properties); i++)
                if (g_str_equal(status_properties[i].name, property))
                        return status_properties[i].append(reply, &status);
        return -ENOENT;
}

int bus_status_append_all(sd_bus_message *reply, const Engine *engine) {
        const EngineStatus status = engine_get_status(engine);
        int r;

        r = sd_bus_message_open_container(reply, 'a', "{sv}");
        if (r < 0)
                return r;
        for (gsize i = 0; i < G_N_ELEMENTS(status_properties); i++) {
                r = sd_bus_message_open_container(reply, 'e', "sv");
                if (r >= 0)
                        r = sd_bus_message_append(reply, "s", status_properties[i].name);
                if (r >= 0)
                        r = sd_bus_message_open_container(reply, 'v', status_properties[i].signature);
                if (r >= 0)
                        r = status_properties[i].append(reply, &status);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}
