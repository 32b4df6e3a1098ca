/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "device.h"

#include <gio/gio.h>
#include <string.h>

#define MAC_HEX_DIGITS 12

/* The notations a MAC is written in: groups of hex digits joined by a separator. */
typedef struct {
        char separator; /* '\0': the digits are not grouped */
        guint group_length;
} MacNotation;

static const MacNotation mac_notations[] = {
        { ':', 2 }, /* 00:09:52:00:00:0e, as in sysfs */
        { '-', 2 }, /* 00-09-52-00-00-0E */
        { '.', 4 }, /* 0009.5200.000e */
        { '\0', MAC_HEX_DIGITS },
};

static const MacNotation *notation_of(const char *mac) {
        for (gsize i = 0; i < G_N_ELEMENTS(mac_notations) - 1; i++)
                if (strchr(mac, mac_notations[i].separator) != NULL)
                        return &mac_notations[i];
        return &mac_notations[G_N_ELEMENTS(mac_notations) - 1];
}

static gboolean is_hex_group(const char *group, guint length) {
        if (strlen(group) != length)
                return FALSE;
        for (const char *c = group; *c != '\0'; c++)
                if (!g_ascii_isxdigit(*c))
                        return FALSE;
        return TRUE;
}

static GStrv split_groups(const char *mac, const MacNotation *notation) {
        const char separator[] = { notation->separator, '\0' };
        const char *const whole[] = { mac, NULL };

        if (notation->separator == '\0')
                return g_strdupv((char **)whole);
        return g_strsplit(mac, separator, -1);
}

char *device_identity_normalize_mac(const char *mac) {
        const MacNotation *notation = notation_of(mac);
        g_auto(GStrv) groups = split_groups(mac, notation);
        g_autofree char *digits = NULL;

        if (g_strv_length(groups) != MAC_HEX_DIGITS / notation->group_length)
                return NULL;
        for (char **group = groups; *group != NULL; group++)
                if (!is_hex_group(*group, notation->group_length))
                        return NULL;
        digits = g_strjoinv("", groups);
        return g_ascii_strup(digits, -1);
}

static char *read_interface_mac(const char *interface, const char *sysfs_root, GError **error) {
        g_autofree char *path = NULL;
        g_autofree char *contents = NULL;

        if (strchr(interface, '/') != NULL || g_str_equal(interface, "..") || g_str_equal(interface, ".")) {
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "invalid network interface name %s",
                            interface);
                return NULL;
        }
        path = g_build_filename(sysfs_root != NULL ? sysfs_root : "/", "sys", "class", "net", interface,
                                "address", NULL);
        if (!g_file_get_contents(path, &contents, NULL, error))
                return NULL;
        return g_strdup(g_strstrip(contents));
}

static gboolean set_invalid_mac(GError **error, const char *mac, const char *origin) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "invalid MAC address \"%s\" (%s): 12 hex digits expected", mac, origin);
        return FALSE;
}

/* The configured MAC wins; else the interface's. An interface that cannot be
 * read leaves the MAC unknown rather than stopping the daemon. */
static char *load_mac(const char *mac, const char *interface, const char *sysfs_root, GError **error) {
        g_autoptr(GError) read_error = NULL;
        g_autofree char *interface_mac = NULL;
        char *normalized;

        if (mac != NULL && *mac != '\0') {
                normalized = device_identity_normalize_mac(mac);
                if (normalized == NULL)
                        set_invalid_mac(error, mac, "configured");
                return normalized;
        }
        if (interface == NULL || *interface == '\0')
                return g_strdup("");

        interface_mac = read_interface_mac(interface, sysfs_root, &read_error);
        if (interface_mac == NULL) {
                g_warning("cannot read the MAC address of %s: %s", interface, read_error->message);
                return g_strdup("");
        }
        normalized = device_identity_normalize_mac(interface_mac);
        if (normalized == NULL)
                set_invalid_mac(error, interface_mac, interface);
        return normalized;
}

DeviceIdentity *device_identity_load(const char *mac, const char *serial, const char *type,
                                     const char *interface, const char *sysfs_root, GError **error) {
        g_autoptr(DeviceIdentity) identity = g_new0(DeviceIdentity, 1);

        identity->mac = load_mac(mac, interface, sysfs_root, error);
        if (identity->mac == NULL)
                return NULL;
        identity->serial = g_strdup(serial != NULL ? serial : "");
        identity->type = g_strdup(type != NULL ? type : "");
        return g_steal_pointer(&identity);
}

void device_identity_free(DeviceIdentity *identity) {
        if (identity == NULL)
                return;
        g_free(identity->mac);
        g_free(identity->serial);
        g_free(identity->type);
        g_free(identity);
}
