/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "bus-error.h"

#include "provision-error.h"

int bus_error_set_from_gerror(sd_bus_error *bus_error, const GError *error) {
        return sd_bus_error_set(bus_error, prov_error_get_dbus_name(error), error->message);
}
