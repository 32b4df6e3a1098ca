/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The error domain of provisiond and libprovision, and the one table of its
 * D-Bus error names. Included by provision.h; the daemon's stages include
 * only this.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * PROV_ERROR:
 *
 * The error domain of libprovision. Each code but PROV_ERROR_FAILED and
 * PROV_ERROR_UNREACHABLE maps to one D-Bus error name, mostly
 * `org.provisiond.Provisioning1.Error.<Name>` (see prov_error_to_dbus_name());
 * the same table is used by the daemon, so the names are permanent API.
 *
 * PROV_ERROR_UNREACHABLE means the request did not get an answer from the
 * daemon: no connection to the bus, the connection was lost, the daemon's name
 * has no owner and cannot be activated (ServiceUnknown, NameHasNoOwner,
 * Spawn.*), no reply in time (NoReply, Timeout), or the call failed on this
 * side of the connection. A bus error name, if there was one, is the message's
 * prefix ("NAME: message"). Other errors that carry a D-Bus name are answers:
 * from the daemon, or from the bus about the request (e.g. AccessDenied).
 */
#define PROV_ERROR (prov_error_quark())

typedef enum {
        PROV_ERROR_FAILED,               /* any error without a name of ours */
        PROV_ERROR_INVALID_ARGS,         /* org.freedesktop.DBus.Error.InvalidArgs */
        PROV_ERROR_ACCESS_DENIED,        /* org.freedesktop.DBus.Error.AccessDenied */
        PROV_ERROR_INVALID_FILE,         /* .Error.InvalidFile: unreadable, malformed or unsafe document */
        PROV_ERROR_REFERENCE_NOT_ALLOWED, /* .Error.ReferenceNotAllowed: reference document given to ApplyFile */
        PROV_ERROR_VALIDATION,           /* .Error.Validation: a section fails its XSD */
        PROV_ERROR_STORAGE,              /* .Error.Storage: the settings could not be committed */
        PROV_ERROR_NO_SOURCE,            /* .Error.NoSource: a run found no provisioning URL */
        PROV_ERROR_CANCELLED,            /* .Error.Cancelled: the run was cancelled */
        PROV_ERROR_NOT_RUNNING,          /* .Error.NotRunning: Cancel without an active run */
        PROV_ERROR_DOWNLOAD,             /* .Error.Download: HTTP error status, connection failed, truncated body */
        PROV_ERROR_TIMEOUT,              /* .Error.Timeout: connect or total time limit of a download passed */
        PROV_ERROR_TOO_LARGE,            /* .Error.TooLarge: a downloaded file exceeds the size limit */
        PROV_ERROR_CERTIFICATE,          /* .Error.Certificate: the server's TLS certificate is not trusted */
        PROV_ERROR_AUTHENTICATION,       /* .Error.Authentication: credentials refused, or Basic over plain http */
        PROV_ERROR_REDIRECT,             /* .Error.Redirect: too many redirects, or a redirect loop */
        PROV_ERROR_UNSUPPORTED_URL,      /* .Error.UnsupportedUrl: not an http or https URL */
        PROV_ERROR_REFERENCE_CYCLE,      /* .Error.ReferenceCycle: a reference file refers back into its chain */
        PROV_ERROR_REFERENCE_DEPTH,      /* .Error.ReferenceDepth: reference files nested too deep */
        PROV_ERROR_TOO_MANY_FILES,       /* .Error.TooManyFiles: a run would fetch more files than allowed */
        PROV_ERROR_UNSUPPORTED_VERSION,  /* .Error.UnsupportedVersion: a section's version is newer than this firmware's, or unknown */
        PROV_ERROR_UNREACHABLE,          /* libprovision's own, no D-Bus name: the daemon was not reached (see above) */
        PROV_ERROR_BUSY,                 /* .Error.Busy: StartProvisioning with another URL while a run is active */
        PROV_ERROR_SETTINGS_TOO_LARGE,   /* .Error.SettingsTooLarge: the settings would outgrow [Limits] MaxSettingsSize */
        PROV_ERROR_PRECONDITION,         /* .Error.Precondition: a run gave up waiting for a usable network or a valid clock */
        PROV_ERROR_NOT_ALLOWED,          /* .Error.NotAllowed: CheckSync refused by the settings (allowlist, switches) */
        PROV_ERROR_UNKNOWN_GENERATION,   /* .Error.UnknownGeneration: Rollback or DiffGenerations of a generation that is not kept */
        PROV_ERROR_LAST
} ProvError;

/** prov_error_quark: the GQuark of PROV_ERROR. */
GQuark prov_error_quark(void);

/**
 * prov_error_to_dbus_name:
 * Returns the D-Bus error name of @code (static string), or NULL for
 * PROV_ERROR_FAILED, PROV_ERROR_UNREACHABLE and out-of-range codes.
 */
const char *prov_error_to_dbus_name(ProvError code);

/**
 * prov_error_from_dbus_name:
 * Returns the code registered for the D-Bus error @name, or
 * PROV_ERROR_FAILED for names that are not in the table (or NULL).
 */
ProvError prov_error_from_dbus_name(const char *name);

/**
 * prov_error_set_from_dbus_name:
 * Sets @error from a D-Bus error @name and @message as a Failed signal
 * carries them: the code is prov_error_from_dbus_name(@name); a name without a
 * code of ours (PROV_ERROR_FAILED) is kept as the message's prefix
 * ("NAME: message") so that it is not lost. @message may be NULL.
 */
void prov_error_set_from_dbus_name(GError **error, const char *name, const char *message);

/**
 * prov_error_get_dbus_name:
 * The D-Bus error name that @error is sent as, by the daemon's replies and
 * its Failed signal: the name of its PROV_ERROR code, Cancelled for
 * G_IO_ERROR_CANCELLED, org.freedesktop.DBus.Error.Failed for anything else
 * (static string, never NULL).
 */
const char *prov_error_get_dbus_name(const GError *error);

G_END_DECLS
