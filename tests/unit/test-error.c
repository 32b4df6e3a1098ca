/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one GError -> D-Bus name mapping that replies, Failed signals and LastError share. */
#include <gio/gio.h>

#include "provision-error.h"

static void test_prov_codes_use_the_table(void) {
        g_autoptr(GError) error = g_error_new_literal(PROV_ERROR, PROV_ERROR_VALIDATION, "bad");

        g_assert_cmpstr(prov_error_get_dbus_name(error), ==, "org.provisiond.Provisioning1.Error.Validation");
        g_assert_cmpstr(prov_error_get_dbus_name(error), ==, prov_error_to_dbus_name(PROV_ERROR_VALIDATION));
}

static void test_gio_cancelled_is_cancelled(void) {
        g_autoptr(GError) error = g_error_new_literal(G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");

        g_assert_cmpstr(prov_error_get_dbus_name(error), ==, "org.provisiond.Provisioning1.Error.Cancelled");
}

static void test_anything_else_is_failed(void) {
        g_autoptr(GError) unnamed = g_error_new_literal(PROV_ERROR, PROV_ERROR_FAILED, "x");
        g_autoptr(GError) foreign = g_error_new_literal(G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "x");

        g_assert_cmpstr(prov_error_get_dbus_name(unnamed), ==, "org.freedesktop.DBus.Error.Failed");
        g_assert_cmpstr(prov_error_get_dbus_name(foreign), ==, "org.freedesktop.DBus.Error.Failed");
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/error/prov-codes-use-the-table", test_prov_codes_use_the_table);
        g_test_add_func("/error/gio-cancelled-is-cancelled", test_gio_cancelled_is_cancelled);
        g_test_add_func("/error/anything-else-is-failed", test_anything_else_is_failed);
        return g_test_run();
}
