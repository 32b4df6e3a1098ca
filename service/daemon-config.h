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
#define CONFIG_DEFAULT_MAX_CACHE_SIZE (16u * 1024u * 1024u)
#define CONFIG_DEFAULT_RUNTIME_DIR "/run/provisiond"
/* [Paths] BootIdFile: where the kernel tells this boot's id (tests point it elsewhere). */
#define CONFIG_DEFAULT_BOOT_ID_FILE "/proc/sys/kernel/random/boot_id"
#define CONFIG_DEFAULT_GENERATIONS_KEEP 5
#define CONFIG_DEFAULT_GENERATIONS_MAX_BYTES (4u * 1024u * 1024u)

typedef struct {
        char *state_dir;    /* holds settings.xml */
        char *defaults_file; /* factory defaults, used when there is no settings.xml yet */
        char *schemas_dir;  /* releases.conf and sections/<name>/<version>.xsd */
        char *runtime_dir;  /* state that ends with the boot: dhcp/<interface> (DHCP options), boot-id (triggers) */
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
        guint max_cache_size;    /* bytes of file bodies kept for conditional downloads (download-cache.h) */

        /* [TLS] */
        char *ca_file;          /* NULL: the system trust store */
        char *client_certificate; /* PEM, the device's identity towards every https server; NULL: none */
        char *client_key;         /* its PEM private key; NULL: in the client_certificate file */

        /* [Redirect]: the redirect service (docs/redirect.md) */
        char *redirect_url;     /* URL template with markers; NULL or blank: no redirect service */
        char *redirect_ca_file; /* the only trust anchor for it; NULL: ca_file, else the system store */

        /* [Generations] kept in STATE_DIR/generations (generations.h) */
        guint generations_keep;        /* at most this many, the current one included */
        guint64 generations_max_bytes; /* at most this many bytes of them (the current one is always kept) */

        /* [Preconditions] of a run: Network=, Time=, Timeout= */
        PreconditionsConfig preconditions;

        /* [Paths] BootIdFile: compared with the boot marker in runtime_dir (triggers.h) */
        char *boot_id_file;
        /* [Device] Vendor= and FirmwareVersion=: the SIP multicast PnP Event header */
        char *device_vendor;    /* default "provisiond" */
        char *firmware_version; /* NULL: PROVISIOND_VERSION */

        /* [Multicast]: the SIP multicast PnP source (source-multicast.h, docs/discovery.md) */
        char *multicast_group;     /* NULL: MULTICAST_DEFAULT_GROUP */
        char *multicast_interface; /* NULL: the routing table's choice */
        guint multicast_port;      /* 0: MULTICAST_DEFAULT_PORT */
        guint multicast_wait;      /* seconds; 0: MULTICAST_DEFAULT_WAIT_MS */
        gboolean multicast_https_only;
        gboolean multicast_enabled; /* Enabled=false: this device never asks (tests, networks without PnP) */
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
