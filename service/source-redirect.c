/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One question to the redirect service, through fetch.c with limits of its
 * own: the answer is small (REDIRECT_MAX_ANSWER_BYTES), only https is
 * spoken, and every HTTP status comes back as a response so that 404 and
 * 204 ("not registered") can be told from a failure. What the answer says is
 * read here: a text/plain first line, or <redirect><url>…</url></redirect>.
 */
#include "source-redirect.h"

#include <libsoup/soup.h>
#include <string.h>

#include "fetch.h"
#include "markers.h"
#include "provision-error.h"
#include "text-limit.h"
#include "url.h"
#include "xml-cleanup.h"
#include "xml-parse.h"

G_DEFINE_QUARK(redirect - source - error - quark, redirect_source_error)

#define MESSAGE_PREFIX "redirect service: "
#define UTF8_BOM "\xEF\xBB\xBF"

static const char *const error_reasons[] = {
        [REDIRECT_SOURCE_ERROR_NOT_CONFIGURED] = "not-configured",
        [REDIRECT_SOURCE_ERROR_CONFIG] = "config",
        [REDIRECT_SOURCE_ERROR_NOT_REGISTERED] = "not-registered",
        [REDIRECT_SOURCE_ERROR_UNAVAILABLE] = "unavailable",
        [REDIRECT_SOURCE_ERROR_TIMEOUT] = "timeout",
        [REDIRECT_SOURCE_ERROR_CERTIFICATE] = "certificate",
        [REDIRECT_SOURCE_ERROR_BAD_ANSWER] = "bad-answer",
};

/* How a failed fetch counts for this source; PROV_ERROR_CANCELLED is handled apart. */
static const struct {
        ProvError fetch_code;
        RedirectSourceError code;
} fetch_errors[] = {
        { PROV_ERROR_TIMEOUT, REDIRECT_SOURCE_ERROR_TIMEOUT },
        { PROV_ERROR_CERTIFICATE, REDIRECT_SOURCE_ERROR_CERTIFICATE },
        { PROV_ERROR_TOO_LARGE, REDIRECT_SOURCE_ERROR_BAD_ANSWER },
        { PROV_ERROR_REDIRECT, REDIRECT_SOURCE_ERROR_BAD_ANSWER },
        { PROV_ERROR_UNSUPPORTED_URL, REDIRECT_SOURCE_ERROR_CONFIG },
};

/* The answer forms of docs/redirect.md, by media type. */
typedef enum {
        ANSWER_TEXT,
        ANSWER_XML,
} AnswerForm;

static const struct {
        const char *media_type;
        AnswerForm form;
} answer_forms[] = {
        { "text/plain", ANSWER_TEXT },
        { "application/xml", ANSWER_XML },
        { "text/xml", ANSWER_XML },
};

/* The statuses that mean "this device is not registered here". */
static const guint not_registered_statuses[] = { SOUP_STATUS_NOT_FOUND, SOUP_STATUS_NO_CONTENT };

typedef struct {
        Fetcher *fetcher;
        char *service; /* the URL asked, credentials removed; NULL before it is known */
} Lookup;

const char *redirect_source_error_reason(RedirectSourceError code) {
        if ((guint) code >= G_N_ELEMENTS(error_reasons))
                return "failed";
        return error_reasons[code];
}

void redirect_config_init(RedirectConfig *config, const DaemonConfig *daemon_config) {
        gboolean own_ca = daemon_config->redirect_ca_file != NULL && *daemon_config->redirect_ca_file != '\0';

        *config = (RedirectConfig){
                .url_template = daemon_config->redirect_url,
                .ca_file = own_ca ? daemon_config->redirect_ca_file : daemon_config->ca_file,
                .ca_file_setting = own_ca ? "[Redirect] CAFile" : "[TLS] CAFile",
                .client_certificate = daemon_config->client_certificate,
                .client_key = daemon_config->client_key,
                .connect_timeout_seconds = daemon_config->connect_timeout,
                .timeout_seconds = daemon_config->file_timeout,
                .max_redirects = daemon_config->max_redirects,
        };
}

static void lookup_free(Lookup *lookup) {
        g_clear_pointer(&lookup->fetcher, fetcher_free);
        g_free(lookup->service);
        g_free(lookup);
}

static void fail(GTask *task, RedirectSourceError code, const char *format, ...) G_GNUC_PRINTF(3, 4);

/* "redirect service: <service URL>: <why>" */
static void fail(GTask *task, RedirectSourceError code, const char *format, ...) {
        Lookup *lookup = g_task_get_task_data(task);
        g_autofree char *why = NULL;
        va_list arguments;

        va_start(arguments, format);
        why = g_strdup_vprintf(format, arguments);
        va_end(arguments);
        if (lookup->service != NULL)
                g_task_return_new_error(task, REDIRECT_SOURCE_ERROR, code, MESSAGE_PREFIX "%s: %s",
                                        lookup->service, why);
        else
                g_task_return_new_error(task, REDIRECT_SOURCE_ERROR, code, MESSAGE_PREFIX "%s", why);
}

/* fetch.c's messages name the URL themselves. */
static void fail_fetch(GTask *task, const GError *error) {
        RedirectSourceError code = REDIRECT_SOURCE_ERROR_UNAVAILABLE;

        if (g_error_matches(error, PROV_ERROR, PROV_ERROR_CANCELLED)) {
                g_task_return_new_error(task, G_IO_ERROR, G_IO_ERROR_CANCELLED, MESSAGE_PREFIX "%s",
                                        error->message);
                return;
        }
        for (gsize i = 0; i < G_N_ELEMENTS(fetch_errors); i++)
                if (g_error_matches(error, PROV_ERROR, fetch_errors[i].fetch_code))
                        code = fetch_errors[i].code;
        g_task_return_new_error(task, REDIRECT_SOURCE_ERROR, code, MESSAGE_PREFIX "%s", error->message);
}

/* ---- Reading the answer -------------------------------------------------- */

static char *bad_answer(GError **error, const char *format, ...) G_GNUC_PRINTF(2, 3);

static char *bad_answer(GError **error, const char *format, ...) {
        va_list arguments;

        va_start(arguments, format);
        g_propagate_error(error,
                          g_error_new_valist(REDIRECT_SOURCE_ERROR, REDIRECT_SOURCE_ERROR_BAD_ANSWER, format,
                                             arguments));
        va_end(arguments);
        return NULL;
}

/* The URL in @text: trimmed and mapped to a URI (url_normalize_input(): a space or a non-ASCII
 * character is percent-encoded), then without control characters, absolute http or https. */
static char *url_of_text(const char *text, gsize length, GError **error) {
        g_autofree char *line = g_strndup(text, length);
        g_autofree char *url = url_normalize_input(line);
        g_autoptr(GError) local_error = NULL;

        if (url == NULL)
                return bad_answer(
                        error,
                        "the answer holds no URL (a device that is not registered is answered 404 or 204)");
        for (gsize i = 0; url[i] != '\0'; i++)
                if (!g_ascii_isgraph(url[i]))
                        return bad_answer(error,
                                          "the URL holds byte 0x%02x at %" G_GSIZE_FORMAT
                                          " (a URL holds no control characters)",
                                          (guchar) url[i], i);
        if (!url_check_fetchable(url, &local_error))
                return bad_answer(error, "the answer is no provisioning URL: %s", local_error->message);
        return g_steal_pointer(&url);
}

/* text/plain: the first line; later lines are ignored (docs/redirect.md). */
static char *url_of_plain_answer(const char *data, gsize size, GError **error) {
        const char *end_of_line;

        if (size >= strlen(UTF8_BOM) && memcmp(data, UTF8_BOM, strlen(UTF8_BOM)) == 0) {
                data += strlen(UTF8_BOM);
                size -= strlen(UTF8_BOM);
        }
        end_of_line = memchr(data, '\n', size);
        return url_of_text(data, end_of_line != NULL ? (gsize) (end_of_line - data) : size, error);
}

/* application/xml: <redirect><url>…</url></redirect>, parsed as untrusted XML. */
static char *url_of_xml_answer(const char *data, gsize size, GError **error) {
        g_autoptr(GError) local_error = NULL;
        g_autoptr(xmlDoc) document = xml_parse_untrusted(data, size, "the XML answer", &local_error);
        xmlNode *root = document != NULL ? xmlDocGetRootElement(document) : NULL;
        xmlNode *url_element = NULL;
        g_autoptr(XmlString) content = NULL;

        if (document == NULL) {
                /* libxml2 may quote the bytes it choked on, which need not be UTF-8. */
                g_autofree char *why = text_limit(local_error->message, TEXT_LIMIT_BYTES / 2);
                return bad_answer(error, "%s", why);
        }
        if (strcmp(xml_node_name(root), "redirect") != 0) {
                g_autofree char *name = text_limit(xml_node_name(root), 64);
                return bad_answer(error, "the XML answer's root is <%s>, not <redirect>", name);
        }
        url_element = xml_find_child(root, "url");
        if (url_element == NULL)
                return bad_answer(error, "the XML answer has no <url> in <redirect>");
        content = xmlNodeGetContent(url_element);
        return url_of_text((const char *) content, strlen((const char *) content), error);
}

static gboolean find_answer_form(const char *content_type, AnswerForm *form) {
        for (gsize i = 0; i < G_N_ELEMENTS(answer_forms); i++)
                if (g_strcmp0(content_type, answer_forms[i].media_type) == 0) {
                        *form = answer_forms[i].form;
                        return TRUE;
                }
        return FALSE;
}

char *redirect_source_read_answer(const char *content_type, const char *data, gsize size, GError **error) {
        AnswerForm form;

        if (data == NULL)
                data = "";
        if (!find_answer_form(content_type, &form))
                return bad_answer(error,
                                  "HTTP 200 with Content-Type %s; expected text/plain or application/xml",
                                  content_type != NULL ? content_type : "(none)");
        if (size > 0 && memchr(data, '\0', size) != NULL)
                return bad_answer(error, "the answer holds a NUL byte");
        return form == ANSWER_TEXT ? url_of_plain_answer(data, size, error) :
                                     url_of_xml_answer(data, size, error);
}

static void read_answer(GTask *task, const FetchResponse *response) {
        gsize size = 0;
        const char *data = g_bytes_get_data(response->body, &size);
        g_autoptr(GError) error = NULL;
        char *url = redirect_source_read_answer(response->content_type, data, size, &error);

        if (url == NULL)
                fail(task, REDIRECT_SOURCE_ERROR_BAD_ANSWER, "%s", error->message);
        else
                g_task_return_pointer(task, url, g_free);
}

static gboolean means_not_registered(guint status) {
        for (gsize i = 0; i < G_N_ELEMENTS(not_registered_statuses); i++)
                if (not_registered_statuses[i] == status)
                        return TRUE;
        return FALSE;
}

static void on_answer(GObject *source, GAsyncResult *result, gpointer user_data) {
        g_autoptr(GTask) task = user_data;
        Lookup *lookup = g_task_get_task_data(task);
        g_autoptr(GError) error = NULL;
        g_autoptr(FetchResponse) response = fetcher_fetch_finish(lookup->fetcher, result, &error);

        if (response == NULL)
                fail_fetch(task, error);
        else if (means_not_registered(response->status))
                fail(task, REDIRECT_SOURCE_ERROR_NOT_REGISTERED, "this device is not registered (HTTP %u %s)",
                     response->status, soup_status_get_phrase(response->status));
        else if (response->status != SOUP_STATUS_OK)
                fail(task, REDIRECT_SOURCE_ERROR_UNAVAILABLE, "HTTP %u %s", response->status,
                     soup_status_get_phrase(response->status));
        else
                read_answer(task, response);
}

/* ---- Asking ------------------------------------------------------------- */

/* The service URL for @device: markers replaced, https only. NULL after failing @task. */
static char *service_url(GTask *task, const RedirectConfig *config, const DeviceIdentity *device) {
        g_autofree char *template = url_normalize_input(config->url_template);
        g_autofree char *url = NULL;
        g_autoptr(GError) error = NULL;

        if (template == NULL) {
                fail(task, REDIRECT_SOURCE_ERROR_NOT_CONFIGURED,
                     "no redirect service configured ([Redirect] Url)");
                return NULL;
        }
        url = markers_replace(template, device);
        if (!url_check_fetchable(url, &error)) {
                fail(task, REDIRECT_SOURCE_ERROR_CONFIG, "[Redirect] Url: %s", error->message);
                return NULL;
        }
        if (g_ascii_strncasecmp(url, "https:", strlen("https:")) != 0) {
                g_autofree char *redacted = url_redact(url);
                fail(task, REDIRECT_SOURCE_ERROR_CONFIG,
                     "[Redirect] Url %s is not https: the redirect service is only asked over TLS", redacted);
                return NULL;
        }
        return g_steal_pointer(&url);
}

static Fetcher *new_fetcher(const RedirectConfig *config, const char *user_agent, GError **error) {
        FetchOptions options = {
                .connect_timeout_seconds = config->connect_timeout_seconds,
                .file_timeout_seconds = config->timeout_seconds,
                .max_file_size = REDIRECT_MAX_ANSWER_BYTES,
                .max_redirects = config->max_redirects,
                .ca_file = config->ca_file,
                .ca_file_setting = config->ca_file_setting,
                .client_certificate = config->client_certificate,
                .client_key = config->client_key,
                .user_agent = user_agent,
                .accept = REDIRECT_ACCEPT,
                .https_only = TRUE,
                .http_errors_are_responses = TRUE,
        };

        return fetcher_new(&options, error);
}

void redirect_source_find_async(const RedirectConfig *config, const DeviceIdentity *device,
                                const char *user_agent, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data) {
        g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, user_data);
        Lookup *lookup = g_new0(Lookup, 1);
        g_autofree char *url = NULL;
        g_autoptr(GError) error = NULL;

        g_task_set_source_tag(task, redirect_source_find_async);
        /* fetch.c reports cancellation, as PROV_ERROR_CANCELLED; fail_fetch() makes it G_IO_ERROR_CANCELLED. */
        g_task_set_check_cancellable(task, FALSE);
        g_task_set_task_data(task, lookup, (GDestroyNotify) lookup_free);
        url = service_url(task, config, device);
        if (url == NULL)
                return;
        lookup->service = url_redact(url);
        lookup->fetcher = new_fetcher(config, user_agent, &error);
        if (lookup->fetcher == NULL) {
                fail(task, REDIRECT_SOURCE_ERROR_CONFIG, "%s", error->message);
                return;
        }
        fetcher_fetch_async(lookup->fetcher, url, cancellable, on_answer, g_steal_pointer(&task));
}

char *redirect_source_find_finish(GAsyncResult *result, char **service, GError **error) {
        Lookup *lookup;

        g_return_val_if_fail(g_task_is_valid(result, NULL), NULL);
        lookup = g_task_get_task_data(G_TASK(result));
        if (service != NULL)
                *service = g_strdup(lookup->service);
        return g_task_propagate_pointer(G_TASK(result), error);
}
