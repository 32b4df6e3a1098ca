/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one table of D-Bus error names, shared by provisiond and libprovision. */
#include "provision-error.h"

#include <gio/gio.h>

#define ERROR_PREFIX "org.provisiond.Provisioning1.Error."

static const char *const dbus_error_names[PROV_ERROR_LAST] = {
        [PROV_ERROR_FAILED] = NULL,
        [PROV_ERROR_INVALID_ARGS] = "org.freedesktop.DBus.Error.InvalidArgs",
        [PROV_ERROR_ACCESS_DENIED] = "org.freedesktop.DBus.Error.AccessDenied",
        [PROV_ERROR_INVALID_FILE] = ERROR_PREFIX "InvalidFile",
        [PROV_ERROR_REFERENCE_NOT_ALLOWED] = ERROR_PREFIX "ReferenceNotAllowed",
        [PROV_ERROR_VALIDATION] = ERROR_PREFIX "Validation",
        [PROV_ERROR_STORAGE] = ERROR_PREFIX "Storage",
        [PROV_ERROR_NO_SOURCE] = ERROR_PREFIX "NoSource",
        [PROV_ERROR_CANCELLED] = ERROR_PREFIX "Cancelled",
        [PROV_ERROR_NOT_RUNNING] = ERROR_PREFIX "NotRunning",
        [PROV_ERROR_DOWNLOAD] = ERROR_PREFIX "Download",
        [PROV_ERROR_TIMEOUT] = ERROR_PREFIX "Timeout",
        [PROV_ERROR_TOO_LARGE] = ERROR_PREFIX "TooLarge",
        [PROV_ERROR_CERTIFICATE] = ERROR_PREFIX "Certificate",
        [PROV_ERROR_AUTHENTICATION] = ERROR_PREFIX "Authentication",
        [PROV_ERROR_REDIRECT] = ERROR_PREFIX "Redirect",
        [PROV_ERROR_UNSUPPORTED_URL] = ERROR_PREFIX "UnsupportedUrl",
        [PROV_ERROR_REFERENCE_CYCLE] = ERROR_PREFIX "ReferenceCycle",
        [PROV_ERROR_REFERENCE_DEPTH] = ERROR_PREFIX "ReferenceDepth",
        [PROV_ERROR_TOO_MANY_FILES] = ERROR_PREFIX "TooManyFiles",
        [PROV_ERROR_UNSUPPORTED_VERSION] = ERROR_PREFIX "UnsupportedVersion",
        [PROV_ERROR_UNREACHABLE] = NULL, /* libprovision's own: no answer came */
        [PROV_ERROR_BUSY] = ERROR_PREFIX "Busy",
        [PROV_ERROR_SETTINGS_TOO_LARGE] = ERROR_PREFIX "SettingsTooLarge",
        [PROV_ERROR_PRECONDITION] = ERROR_PREFIX "Precondition",
        [PROV_ERROR_NOT_ALLOWED] = ERROR_PREFIX "NotAllowed",
        [PROV_ERROR_UNKNOWN_GENERATION] = ERROR_PREFIX "UnknownGeneration",
};

G_DEFINE_QUARK(prov-error-quark, prov_error)

const char *prov_error_to_dbus_name(ProvError code) {
        if ((int)code < 0 || code >= PROV_ERROR_LAST)
                return NULL;
        return dbus_error_names[code];
}

const char *prov_error_get_dbus_name(const GError *error) {
        const char *name = NULL;

        if (error->domain == PROV_ERROR)
                name = prov_error_to_dbus_name(error->code);
        else if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
                name = prov_error_to_dbus_name(PROV_ERROR_CANCELLED);
        return name != NULL ? name : "org.freedesktop.DBus.Error.Failed";
}

ProvError prov_error_from_dbus_name(const char *name) {
        if (name == NULL)
                return PROV_ERROR_FAILED;
        for (int code = 0; code < PROV_ERROR_LAST; code++)
                if (dbus_error_names[code] != NULL && g_str_equal(dbus_error_names[code], name))
                        return code;
        return PROV_ERROR_FAILED;
}
