/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "daemon-config.h"

DaemonConfig *daemon_config_new_default(void) {
        DaemonConfig *config = g_new0(DaemonConfig, 1);

        config->state_dir = g_strdup(PROVISIOND_STATE_DIR);
        config->defaults_file = g_strdup(PROVISIOND_DEFAULTS_FILE);
        config->schemas_dir = g_strdup(PROVISIOND_SCHEMAS_DIR);
        config->runtime_dir = g_strdup(CONFIG_DEFAULT_RUNTIME_DIR);
        config->max_file_size = CONFIG_DEFAULT_MAX_FILE_SIZE;
        config->device_type = g_strdup("");
        config->device_serial = g_strdup("");
        config->device_interface = g_strdup("eth0");
        config->connect_timeout = CONFIG_DEFAULT_CONNECT_TIMEOUT;
        config->file_timeout = CONFIG_DEFAULT_FILE_TIMEOUT;
        config->max_redirects = CONFIG_DEFAULT_MAX_REDIRECTS;
        config->max_files = CONFIG_DEFAULT_MAX_FILES;
        config->max_reference_depth = CONFIG_DEFAULT_MAX_REFERENCE_DEPTH;
        config->max_settings_size = CONFIG_DEFAULT_MAX_SETTINGS_SIZE;
        config->max_cache_size = CONFIG_DEFAULT_MAX_CACHE_SIZE;
        config->generations_keep = CONFIG_DEFAULT_GENERATIONS_KEEP;
        config->generations_max_bytes = CONFIG_DEFAULT_GENERATIONS_MAX_BYTES;
        preconditions_config_init_default(&config->preconditions);
        config->boot_id_file = g_strdup(CONFIG_DEFAULT_BOOT_ID_FILE);
        config->device_vendor = g_strdup("provisiond");
        config->multicast_enabled = TRUE;
        return config;
}

static void override_string(GKeyFile *key_file, const char *group, const char *key, char **target) {
        g_autofree char *value = g_key_file_get_string(key_file, group, key, NULL);

        if (value != NULL) {
                g_free(*target);
                *target = g_steal_pointer(&value);
        }
}

static const struct {
        const char *group;
        const char *key;
        gsize offset;
} string_keys[] = {
        { "Paths", "StateDir", G_STRUCT_OFFSET(DaemonConfig, state_dir) },
        { "Paths", "Defaults", G_STRUCT_OFFSET(DaemonConfig, defaults_file) },
        { "Paths", "SchemasDir", G_STRUCT_OFFSET(DaemonConfig, schemas_dir) },
        { "Paths", "RuntimeDir", G_STRUCT_OFFSET(DaemonConfig, runtime_dir) },
        { "Device", "MAC", G_STRUCT_OFFSET(DaemonConfig, device_mac) },
        { "Device", "Serial", G_STRUCT_OFFSET(DaemonConfig, device_serial) },
        { "Device", "Type", G_STRUCT_OFFSET(DaemonConfig, device_type) },
        { "Device", "Interface", G_STRUCT_OFFSET(DaemonConfig, device_interface) },
        { "TLS", "CAFile", G_STRUCT_OFFSET(DaemonConfig, ca_file) },
        { "Paths", "BootIdFile", G_STRUCT_OFFSET(DaemonConfig, boot_id_file) },
        { "Device", "Vendor", G_STRUCT_OFFSET(DaemonConfig, device_vendor) },
        { "Device", "FirmwareVersion", G_STRUCT_OFFSET(DaemonConfig, firmware_version) },
        { "Multicast", "Group", G_STRUCT_OFFSET(DaemonConfig, multicast_group) },
        { "Multicast", "Interface", G_STRUCT_OFFSET(DaemonConfig, multicast_interface) },
        { "TLS", "ClientCertificate", G_STRUCT_OFFSET(DaemonConfig, client_certificate) },
        { "TLS", "ClientKey", G_STRUCT_OFFSET(DaemonConfig, client_key) },
        { "Redirect", "Url", G_STRUCT_OFFSET(DaemonConfig, redirect_url) },
        { "Redirect", "CAFile", G_STRUCT_OFFSET(DaemonConfig, redirect_ca_file) },
};

/* Positive whole numbers; is_64bit for the guint64 ones. */
static const struct {
        const char *group;
        const char *key;
        gsize offset;
        gboolean is_64bit;
} number_keys[] = {
        { "Limits", "MaxFileSize", G_STRUCT_OFFSET(DaemonConfig, max_file_size), TRUE },
        { "Limits", "ConnectTimeout", G_STRUCT_OFFSET(DaemonConfig, connect_timeout), FALSE },
        { "Limits", "FileTimeout", G_STRUCT_OFFSET(DaemonConfig, file_timeout), FALSE },
        { "Limits", "MaxRedirects", G_STRUCT_OFFSET(DaemonConfig, max_redirects), FALSE },
        { "Limits", "MaxFiles", G_STRUCT_OFFSET(DaemonConfig, max_files), FALSE },
        { "Limits", "MaxReferenceDepth", G_STRUCT_OFFSET(DaemonConfig, max_reference_depth), FALSE },
        { "Limits", "MaxSettingsSize", G_STRUCT_OFFSET(DaemonConfig, max_settings_size), FALSE },
        { "Limits", "MaxCacheSize", G_STRUCT_OFFSET(DaemonConfig, max_cache_size), FALSE },
        { "Preconditions", "Timeout", G_STRUCT_OFFSET(DaemonConfig, preconditions.timeout), FALSE },
        { "Multicast", "Port", G_STRUCT_OFFSET(DaemonConfig, multicast_port), FALSE },
        { "Multicast", "WaitSeconds", G_STRUCT_OFFSET(DaemonConfig, multicast_wait), FALSE },
        { "Generations", "Keep", G_STRUCT_OFFSET(DaemonConfig, generations_keep), FALSE },
        { "Generations", "MaxBytes", G_STRUCT_OFFSET(DaemonConfig, generations_max_bytes), TRUE },
};

static gboolean load_number(GKeyFile *key_file, gsize index, DaemonConfig *config, const char *path,
                            GError **error) {
        const char *group = number_keys[index].group;
        const char *key = number_keys[index].key;
        g_autoptr(GError) local_error = NULL;
        guint64 value;

        if (!g_key_file_has_key(key_file, group, key, NULL))
                return TRUE;
        value = g_key_file_get_uint64(key_file, group, key, &local_error);
        if (local_error != NULL || value == 0 || (!number_keys[index].is_64bit && value > G_MAXUINT)) {
                g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                            "%s: [%s] %s must be a positive whole number", path, group, key);
                return FALSE;
        }
        if (number_keys[index].is_64bit)
                G_STRUCT_MEMBER(guint64, config, number_keys[index].offset) = value;
        else
                G_STRUCT_MEMBER(guint, config, number_keys[index].offset) = (guint)value;
        return TRUE;
}

static gboolean load_boolean(GKeyFile *key_file, const char *group, const char *key, gboolean *target,
                             const char *path, GError **error) {
        g_autoptr(GError) local_error = NULL;
        gboolean value;

        if (!g_key_file_has_key(key_file, group, key, NULL))
                return TRUE;
        value = g_key_file_get_boolean(key_file, group, key, &local_error);
        if (local_error != NULL) {
                g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                            "%s: [%s] %s must be true or false", path, group, key);
                return FALSE;
        }
        *target = value;
        return TRUE;
}

/* [Preconditions] Network= (boolean) and Time= (preconditions_time_source_from_string()). */
static gboolean load_preconditions(GKeyFile *key_file, PreconditionsConfig *preconditions, const char *path,
                                   GError **error) {
        g_autoptr(GError) local_error = NULL;
        g_autofree char *time = NULL;
        gboolean network;

        if (g_key_file_has_key(key_file, "Preconditions", "Network", NULL)) {
                network = g_key_file_get_boolean(key_file, "Preconditions", "Network", &local_error);
                if (local_error != NULL) {
                        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                                    "%s: [Preconditions] Network must be true or false", path);
                        return FALSE;
                }
                preconditions->network = network;
        }
        time = g_key_file_get_string(key_file, "Preconditions", "Time", NULL);
        if (time != NULL && !preconditions_time_source_from_string(time, &preconditions->time)) {
                g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                            "%s: [Preconditions] Time must be timedated, kernel or none, not \"%s\"", path, time);
                return FALSE;
        }
        return TRUE;
}

gboolean daemon_config_load_file(DaemonConfig *config, const char *path, gboolean required, GError **error) {
        g_autoptr(GKeyFile) key_file = g_key_file_new();
        g_autoptr(GError) local_error = NULL;

        if (!g_key_file_load_from_file(key_file, path, G_KEY_FILE_NONE, &local_error)) {
                if (!required && g_error_matches(local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
                        return TRUE;
                g_propagate_prefixed_error(error, g_steal_pointer(&local_error), "%s: ", path);
                return FALSE;
        }

        for (gsize i = 0; i < G_N_ELEMENTS(string_keys); i++)
                override_string(key_file, string_keys[i].group, string_keys[i].key,
                                &G_STRUCT_MEMBER(char *, config, string_keys[i].offset));
        for (gsize i = 0; i < G_N_ELEMENTS(number_keys); i++)
                if (!load_number(key_file, i, config, path, error))
                        return FALSE;
        if (!load_boolean(key_file, "Multicast", "HttpsOnly", &config->multicast_https_only, path, error) ||
            !load_boolean(key_file, "Multicast", "Enabled", &config->multicast_enabled, path, error))
                return FALSE;
        return load_preconditions(key_file, &config->preconditions, path, error);
}

DaemonConfig *daemon_config_copy(const DaemonConfig *config) {
        DaemonConfig *copy = g_memdup2(config, sizeof(*config));

        /* Every string of the configuration is in the table. */
        for (gsize i = 0; i < G_N_ELEMENTS(string_keys); i++)
                G_STRUCT_MEMBER(char *, copy, string_keys[i].offset) =
                        g_strdup(G_STRUCT_MEMBER(char *, config, string_keys[i].offset));
        return copy;
}

void daemon_config_free(DaemonConfig *config) {
        if (config == NULL)
                return;
        /* Every string of the configuration is in the table. */
        for (gsize i = 0; i < G_N_ELEMENTS(string_keys); i++)
                g_free(G_STRUCT_MEMBER(char *, config, string_keys[i].offset));
        g_free(config);
}
