/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "bus-error.h"

#include "provision.h"
#include "text-limit.h"

int bus_error_set_from_gerror(sd_bus_error *bus_error, const GError *error) {
        const char *name = NULL;
        g_autofree char *message = text_limit(error->message, TEXT_LIMIT_BYTES);

        if (error->domain == PROV_ERROR)
                name = prov_error_to_dbus_name(error->code);
        return sd_bus_error_set(bus_error, name != NULL ? name : SD_BUS_ERROR_FAILED, message);
}
