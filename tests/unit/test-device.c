/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The device identity: MAC notations, the MAC of a network interface, unknown values. */
#include <gio/gio.h>
#include <glib/gstdio.h>

#include "device.h"

static void assert_normalizes(const char *mac, const char *expected) {
        g_autofree char *normalized = device_identity_normalize_mac(mac);

        g_assert_cmpstr(normalized, ==, expected);
}

static void test_mac_notations_accepted(void) {
        assert_normalizes("00:09:52:00:00:0e", "00095200000E");
        assert_normalizes("00-09-52-00-00-0E", "00095200000E");
        assert_normalizes("00095200000e", "00095200000E");
        assert_normalizes("0009.5200.000E", "00095200000E");
}

static void test_invalid_macs_refused(void) {
        const char *const invalid[] = {
                "",
                "00:09:52:00:00",
                "00:09:52:00:00:0e:11",
                "0:9:52:0:0:e",
                "00:09:52:00:00:0g",
                "00095200000",
                "00095200000EE",
                "00:09-52:00:00:0e",
                "00:09:52:00:000e",
                " 00095200000e",
                "0009.5200.000E.0000",
        };

        for (gsize i = 0; i < G_N_ELEMENTS(invalid); i++) {
                g_autofree char *normalized = device_identity_normalize_mac(invalid[i]);
                g_assert_null(normalized);
        }
}

static void test_configured_identity(void) {
        g_autoptr(GError) error = NULL;
        g_autoptr(DeviceIdentity) device = device_identity_load("00:09:52:00:00:0e", "S123", "D200", "eth0",
                                                                "/nonexistent", &error);

        g_assert_no_error(error);
        g_assert_cmpstr(device->mac, ==, "00095200000E");
        g_assert_cmpstr(device->serial, ==, "S123");
        g_assert_cmpstr(device->type, ==, "D200");
}

static void test_invalid_configured_mac_fails(void) {
        g_autoptr(GError) error = NULL;
        g_autoptr(DeviceIdentity) device = device_identity_load("00:09:52", NULL, NULL, NULL, NULL, &error);

        g_assert_null(device);
        g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
}

static char *make_sysfs(const char *interface, const char *address) {
        g_autoptr(GError) error = NULL;
        char *root = g_dir_make_tmp("test-device-XXXXXX", &error);
        g_autofree char *directory = g_build_filename(root, "sys", "class", "net", interface, NULL);
        g_autofree char *path = g_build_filename(directory, "address", NULL);

        g_assert_no_error(error);
        g_assert_cmpint(g_mkdir_with_parents(directory, 0700), ==, 0);
        g_file_set_contents(path, address, -1, &error);
        g_assert_no_error(error);
        return root;
}

static void remove_sysfs(const char *root, const char *interface) {
        g_autofree char *directory = g_build_filename(root, "sys", "class", "net", interface, NULL);
        g_autofree char *path = g_build_filename(directory, "address", NULL);
        const char *const parts[] = { "net", "class", "sys" };
        g_autofree char *parent = NULL;

        g_unlink(path);
        g_rmdir(directory);
        parent = g_path_get_dirname(directory);
        for (gsize i = 0; i < G_N_ELEMENTS(parts); i++) {
                char *up = g_path_get_dirname(parent);
                g_assert_true(g_str_has_suffix(parent, parts[i]));
                g_rmdir(parent);
                g_free(parent);
                parent = up;
        }
        g_rmdir(root);
}

static void test_mac_read_from_interface(void) {
        g_autofree char *root = make_sysfs("eth0", "00:09:52:00:00:0e\n");
        g_autoptr(GError) error = NULL;
        g_autoptr(DeviceIdentity) device = device_identity_load(NULL, "S1", "D100", "eth0", root, &error);

        g_assert_no_error(error);
        g_assert_cmpstr(device->mac, ==, "00095200000E");
        g_assert_cmpstr(device->type, ==, "D100");
        remove_sysfs(root, "eth0");
}

static void test_configured_mac_wins_over_interface(void) {
        g_autofree char *root = make_sysfs("eth0", "00:09:52:00:00:0e\n");
        g_autoptr(GError) error = NULL;
        g_autoptr(DeviceIdentity) device = NULL;

        device = device_identity_load("00-09-52-00-00-01", NULL, NULL, "eth0", root, &error);
        g_assert_no_error(error);
        g_assert_cmpstr(device->mac, ==, "000952000001");
        remove_sysfs(root, "eth0");
}

static void test_invalid_interface_mac_fails(void) {
        g_autofree char *root = make_sysfs("ib0",
                                           "80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03:00:0a:7d:81\n");
        g_autoptr(GError) error = NULL;
        g_autoptr(DeviceIdentity) device = device_identity_load(NULL, NULL, NULL, "ib0", root, &error);

        g_assert_null(device);
        g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
        remove_sysfs(root, "ib0");
}

static void test_missing_interface_leaves_mac_unknown(void) {
        g_autoptr(GError) error = NULL;
        g_autoptr(DeviceIdentity) device = NULL;

        g_test_expect_message(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "cannot read the MAC address of eth7*");
        device = device_identity_load(NULL, NULL, NULL, "eth7", "/nonexistent", &error);
        g_test_assert_expected_messages();
        g_assert_no_error(error);
        g_assert_cmpstr(device->mac, ==, "");
        g_assert_cmpstr(device->serial, ==, "");
        g_assert_cmpstr(device->type, ==, "");
}

static void test_interface_name_cannot_leave_sysfs(void) {
        g_autoptr(GError) error = NULL;
        g_autoptr(DeviceIdentity) device = NULL;

        g_test_expect_message(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "*invalid network interface name*");
        device = device_identity_load(NULL, NULL, NULL, "../../../etc", "/", &error);
        g_test_assert_expected_messages();
        g_assert_no_error(error);
        g_assert_cmpstr(device->mac, ==, "");
}

static void test_no_mac_and_no_interface(void) {
        g_autoptr(GError) error = NULL;
        g_autoptr(DeviceIdentity) device = device_identity_load(NULL, "S9", "D200", NULL, NULL, &error);

        g_assert_no_error(error);
        g_assert_cmpstr(device->mac, ==, "");
        g_assert_cmpstr(device->serial, ==, "S9");
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/device/mac-notations-accepted", test_mac_notations_accepted);
        g_test_add_func("/device/invalid-macs-refused", test_invalid_macs_refused);
        g_test_add_func("/device/configured-identity", test_configured_identity);
        g_test_add_func("/device/invalid-configured-mac-fails", test_invalid_configured_mac_fails);
        g_test_add_func("/device/mac-read-from-interface", test_mac_read_from_interface);
        g_test_add_func("/device/configured-mac-wins-over-interface", test_configured_mac_wins_over_interface);
        g_test_add_func("/device/invalid-interface-mac-fails", test_invalid_interface_mac_fails);
        g_test_add_func("/device/missing-interface-leaves-mac-unknown",
                        test_missing_interface_leaves_mac_unknown);
        g_test_add_func("/device/interface-name-cannot-leave-sysfs", test_interface_name_cannot_leave_sysfs);
        g_test_add_func("/device/no-mac-and-no-interface", test_no_mac_and_no_interface);
        return g_test_run();
}
