/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "daemon-config.h"

DaemonConfig *daemon_config_new_default(void) {
        DaemonConfig *config = g_new0(DaemonConfig, 1);

        config->state_dir = g_strdup(PROVISIOND_STATE_DIR);
        config->defaults_file = g_strdup(PROVISIOND_DEFAULTS_FILE);
        config->schemas_dir = g_strdup(PROVISIOND_SCHEMAS_DIR);
        config->max_file_size = CONFIG_DEFAULT_MAX_FILE_SIZE;
        return config;
}

static void override_string(GKeyFile *key_file, const char *group, const char *key, char **target) {
        g_autofree char *value = g_key_file_get_string(key_file, group, key, NULL);

        if (value != NULL) {
                g_free(*target);
                *target = g_steal_pointer(&value);
        }
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

        override_string(key_file, "Paths", "StateDir", &config->state_dir);
        override_string(key_file, "Paths", "Defaults", &config->defaults_file);
        override_string(key_file, "Paths", "SchemasDir", &config->schemas_dir);

        if (g_key_file_has_key(key_file, "Limits", "MaxFileSize", NULL)) {
                guint64 max_file_size = g_key_file_get_uint64(key_file, "Limits", "MaxFileSize", &local_error);
                if (local_error != NULL || max_file_size == 0) {
                        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                                    "%s: [Limits] MaxFileSize must be a positive number of bytes", path);
                        return FALSE;
                }
                config->max_file_size = max_file_size;
        }
        return TRUE;
}

void daemon_config_free(DaemonConfig *config) {
        if (config == NULL)
                return;
        g_free(config->state_dir);
        g_free(config->defaults_file);
        g_free(config->schemas_dir);
        g_free(config);
}
