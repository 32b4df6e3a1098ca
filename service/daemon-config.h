/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* provisiond.conf: where things are and how large documents may be. */
#pragma once

#include <glib.h>

#include "preconditions.h"

#define CONFIG_DEFAULT_MAX_FILE_SIZE (4u * 1024u * 1024u)
#define CONFIG_DEFAULT_CONNECT_TIMEOUT 10
#define CONFIG_DEFAULT_FILE_TIMEOUT 60
#define CONFIG_DEFAULT_MAX_REDIRECTS 5
#define CONFIG_DEFAULT_MAX_FILES 64
#define CONFIG_DEFAULT_MAX_REFERENCE_DEPTH 8
#define CONFIG_DEFAULT_MAX_SETTINGS_SIZE (8u * 1024u * 1024u)
/* Whatever is configured: a Backup() reply holds all settings and must stay far
 * below the system bus' 32 MiB message limit. */
#define CONFIG_MAX_SETTINGS_SIZE_CEILING (16u * 1024u * 1024u)
#define CONFIG_DEFAULT_RUNTIME_DIR "/run/provisiond"
#define CONFIG_DEFAULT_GENERATIONS_KEEP 5
#define CONFIG_DEFAULT_GENERATIONS_MAX_BYTES (4u * 1024u * 1024u)

typedef struct {
        char *state_dir;    /* holds settings.xml */
        char *defaults_file; /* factory defaults, used when there is no settings.xml yet */
        char *schemas_dir;  /* releases.conf and sections/<name>/<version>.xsd */
        char *runtime_dir;  /* state that ends with the boot: dhcp/<interface> (DHCP options) */
        guint64 max_file_size;

        /* [Device]: who this phone is (markers, User-Agent) */
        char *device_mac;       /* NULL: read from device_interface */
        char *device_serial;
        char *device_type;
        char *device_interface;

        /* [Limits] of a provisioning run */
        guint connect_timeout;  /* seconds */
        guint file_timeout;     /* seconds, total per file */
        guint max_redirects;
        guint max_files;
        guint max_reference_depth;
        guint max_settings_size; /* bytes of settings.xml a commit may write, see CONFIG_MAX_SETTINGS_SIZE_CEILING */

        /* [TLS] */
        char *ca_file;          /* NULL: the system trust store */

        /* [Generations] kept in STATE_DIR/generations (generations.h) */
        guint generations_keep;        /* at most this many, the current one included */
        guint64 generations_max_bytes; /* at most this many bytes of them (the current one is always kept) */

        /* [Preconditions] of a run: Network=, Time=, Timeout= */
        PreconditionsConfig preconditions;
} DaemonConfig;

/** daemon_config_new_default: the built-in defaults (installed paths). */
DaemonConfig *daemon_config_new_default(void);

/**
 * daemon_config_load_file:
 * Overrides @config with the keys of the GKeyFile at @path. A missing file
 * is fine when @required is FALSE; a malformed one is always an error.
 */
gboolean daemon_config_load_file(DaemonConfig *config, const char *path, gboolean required, GError **error);

/** daemon_config_copy: a deep copy of @config. */
DaemonConfig *daemon_config_copy(const DaemonConfig *config);

void daemon_config_free(DaemonConfig *config);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DaemonConfig, daemon_config_free)
