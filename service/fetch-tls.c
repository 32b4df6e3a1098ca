/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * TLS for fetch.c. Verification is never turned off: a certificate libsoup
 * (GnuTLS through glib-networking) does not accept ends the fetch. What this
 * file adds is the choice of trust anchors, the device's client certificate,
 * and messages that say which side refused what.
 */
#include "fetch-tls-private.h"

#include "provision-error.h"

#define DEFAULT_CA_FILE_SETTING "[TLS] CAFile"

typedef struct {
        GTlsCertificateFlags flag;
        const char *reason;
} CertificateProblem;

static const CertificateProblem certificate_problems[] = {
        { G_TLS_CERTIFICATE_UNKNOWN_CA, "unknown certificate authority" },
        { G_TLS_CERTIFICATE_BAD_IDENTITY, "certificate does not match the host" },
        { G_TLS_CERTIFICATE_NOT_ACTIVATED, "certificate not valid yet" },
        { G_TLS_CERTIFICATE_EXPIRED, "certificate expired" },
        { G_TLS_CERTIFICATE_REVOKED, "certificate revoked" },
        { G_TLS_CERTIFICATE_INSECURE, "certificate uses an insecure algorithm" },
        { G_TLS_CERTIFICATE_GENERIC_ERROR, "certificate cannot be verified" },
};

static gboolean load_ca_file(FetchTls *tls, const char *ca_file, const char *setting, GError **error) {
        g_autoptr(GError) local_error = NULL;

        tls->database = g_tls_file_database_new(ca_file, &local_error);
        if (tls->database == NULL) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_CERTIFICATE, "cannot load the CA file %s (%s): %s",
                            ca_file, setting, local_error->message);
                return FALSE;
        }
        return TRUE;
}

static gboolean has_private_key(GTlsCertificate *certificate) {
        g_autofree char *pem = NULL;

        g_object_get(certificate, "private-key-pem", &pem, NULL);
        return pem != NULL;
}

/* The key comes from its own file, or from the certificate's (g_tls_certificate_new_from_file). */
static gboolean load_client_certificate(FetchTls *tls, const char *certificate, const char *key,
                                        GError **error) {
        g_autoptr(GError) local_error = NULL;

        tls->client_certificate = key != NULL ?
                g_tls_certificate_new_from_files(certificate, key, &local_error) :
                g_tls_certificate_new_from_file(certificate, &local_error);
        if (tls->client_certificate == NULL) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_CERTIFICATE,
                            "cannot load the TLS client certificate %s%s%s ([TLS] ClientCertificate): %s",
                            certificate, key != NULL ? " with the key " : "", key != NULL ? key : "",
                            local_error->message);
                return FALSE;
        }
        /* GLib loads a certificate without its key; it could not prove that it is ours. */
        if (!has_private_key(tls->client_certificate)) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_CERTIFICATE,
                            "cannot load the TLS client certificate %s ([TLS] ClientCertificate): its file holds "
                            "no private key, and [TLS] ClientKey names none",
                            certificate);
                return FALSE;
        }
        tls->client_certificate_file = g_strdup(certificate);
        return TRUE;
}

/* An empty setting (ClientCertificate=) is no setting. */
static const char *nonempty(const char *value) {
        return value != NULL && *value != '\0' ? value : NULL;
}

gboolean fetch_tls_init(FetchTls *tls, const FetchOptions *options, GError **error) {
        const char *client_certificate = nonempty(options->client_certificate);

        *tls = (FetchTls){ 0 };
        tls->ca_file_setting = g_strdup(options->ca_file_setting != NULL ? options->ca_file_setting :
                                                                           DEFAULT_CA_FILE_SETTING);
        if ((options->ca_file != NULL && !load_ca_file(tls, options->ca_file, tls->ca_file_setting, error)) ||
            (client_certificate != NULL &&
             !load_client_certificate(tls, client_certificate, nonempty(options->client_key), error))) {
                fetch_tls_clear(tls);
                return FALSE;
        }
        return TRUE;
}

void fetch_tls_clear(FetchTls *tls) {
        g_clear_object(&tls->database);
        g_clear_pointer(&tls->ca_file_setting, g_free);
        g_clear_object(&tls->client_certificate);
        g_clear_pointer(&tls->client_certificate_file, g_free);
}

void fetch_tls_apply(const FetchTls *tls, SoupSession *session) {
        if (tls->database != NULL)
                soup_session_set_tls_database(session, tls->database);
}

gboolean fetch_tls_offer_client_certificate(const FetchTls *tls, SoupMessage *message) {
        if (tls->client_certificate == NULL)
                return FALSE;
        soup_message_set_tls_client_certificate(message, tls->client_certificate);
        return TRUE;
}

static char *describe_certificate_errors(GTlsCertificateFlags flags) {
        g_autoptr(GString) reasons = g_string_new(NULL);

        for (gsize i = 0; i < G_N_ELEMENTS(certificate_problems); i++) {
                if ((flags & certificate_problems[i].flag) == 0)
                        continue;
                if (reasons->len > 0)
                        g_string_append(reasons, ", ");
                g_string_append(reasons, certificate_problems[i].reason);
        }
        return reasons->len > 0 ? g_string_free(g_steal_pointer(&reasons), FALSE) : NULL;
}

char *fetch_tls_describe_refused_server(const FetchTls *tls, const char *url, GTlsCertificateFlags flags,
                                        const GError *error) {
        g_autofree char *reasons = describe_certificate_errors(flags);
        /* With a CA file, "unknown authority" means: not signed by that CA, whatever the system trusts. */
        gboolean not_our_ca = tls->database != NULL && (flags & G_TLS_CERTIFICATE_UNKNOWN_CA) != 0;

        return g_strdup_printf("TLS certificate of %s refused: %s%s%s%s", url,
                               reasons != NULL ? reasons : error->message, not_our_ca ? " (only the " : "",
                               not_our_ca ? tls->ca_file_setting : "", not_our_ca ? " is trusted)" : "");
}

char *fetch_tls_describe_refused_client(const FetchTls *tls, const char *url, const GError *error) {
        if (tls->client_certificate == NULL)
                return g_strdup_printf(
                        "%s requires a TLS client certificate, and provisiond has none to offer "
                        "([TLS] ClientCertificate)",
                        url);
        return g_strdup_printf("%s did not accept the TLS client certificate %s ([TLS] ClientCertificate): %s",
                               url, tls->client_certificate_file, error->message);
}

gboolean fetch_tls_is_client_certificate_refusal(gboolean requested, SoupMessage *message, const GError *error) {
        if (g_error_matches(error, G_TLS_ERROR, G_TLS_ERROR_CERTIFICATE_REQUIRED))
                return TRUE;
        if (!requested || message == NULL || soup_message_get_status(message) != SOUP_STATUS_NONE)
                return FALSE;
        return error->domain == G_TLS_ERROR || g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED) ||
                g_error_matches(error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE);
}
