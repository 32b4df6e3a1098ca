/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "bus-error.h"

#include "provision-error.h"
#include "text-limit.h"

int bus_error_set_from_gerror(sd_bus_error *bus_error, const GError *error) {
        g_autofree char *message = text_limit(error->message, TEXT_LIMIT_BYTES);

        return sd_bus_error_set(bus_error, prov_error_get_dbus_name(error), message);
}
