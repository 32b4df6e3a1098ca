/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SIP messages of multicast PnP, built and parsed with libosip2's parser. */
#include "sip-message.h"

#include <osipparser2/osip_parser.h>
#include <string.h>

#include "device.h"
#include "url.h"

G_DEFINE_QUARK(sip - message - error - quark, sip_message_error)

G_DEFINE_AUTOPTR_CLEANUP_FUNC(osip_message_t, osip_message_free)

struct SipIncoming {
        osip_message_t *message;
        SipIncomingKind kind;
        char *url;
};

/* libosip2 prints complaints about hostile input to stdout; they are debug lines here.
 * The format is libosip2's own (a callback cannot carry a printf attribute). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void sip_parser_trace(const char *file, int line, osip_trace_level_t level, const char *format,
                             va_list args) {
        g_autofree char *text = g_strdup_vprintf(format, args);

        g_debug("libosip2 %s:%d: %s", file, line, g_strchomp(text));
}
#pragma GCC diagnostic pop

/* libosip2's parser keeps its header table in globals set up once. */
static void sip_parser_init(void) {
        static gsize initialized = 0;

        if (g_once_init_enter(&initialized)) {
                osip_trace_initialize_func(OSIP_WARNING, sip_parser_trace);
                parser_init();
                g_once_init_leave(&initialized, 1);
        }
}

static char *osip_take_string(char *text, size_t length, gsize *out_length) {
        char *copy = g_strndup(text, length);

        osip_free(text);
        if (out_length != NULL)
                *out_length = length;
        return copy;
}

/*
 * libosip2 re-escapes the user part as "MAC%3A". Equal by RFC 3261 §19.1.4, but
 * RFC 6080 §4.1 spells "MAC%3a" and PnP servers are known to match it literally.
 */
static char *spell_mac_prefix(char *text) {
        for (char *found = strstr(text, "MAC%3A"); found != NULL; found = strstr(found, "MAC%3A"))
                found[5] = 'a';
        return text;
}

/* A value that goes into a quoted-string or token of ours: printable ASCII, no quote or backslash. */
static gboolean check_header_text(const char *name, const char *value, GError **error) {
        if (value == NULL || *value == '\0') {
                g_set_error(error, SIP_MESSAGE_ERROR, SIP_MESSAGE_ERROR_INVALID_ARG, "%s is empty", name);
                return FALSE;
        }
        for (const char *p = value; *p != '\0'; p++) {
                if (!g_ascii_isprint(*p) || *p == '"' || *p == '\\') {
                        g_set_error(error, SIP_MESSAGE_ERROR, SIP_MESSAGE_ERROR_INVALID_ARG,
                                    "%s holds a character SIP cannot carry here (0x%02x)", name, (guchar) *p);
                        return FALSE;
                }
        }
        return TRUE;
}

static gboolean check_subscribe(const SipSubscribe *subscribe, GError **error) {
        const struct {
                const char *name;
                const char *value;
        } fields[] = {
                { "group", subscribe->group },       { "local address", subscribe->local_address },
                { "vendor", subscribe->vendor },     { "model", subscribe->model },
                { "version", subscribe->version },   { "Call-ID", subscribe->call_id },
                { "From tag", subscribe->from_tag }, { "Via branch", subscribe->branch },
        };

        for (gsize i = 0; i < G_N_ELEMENTS(fields); i++)
                if (!check_header_text(fields[i].name, fields[i].value, error))
                        return FALSE;
        if (strpbrk(subscribe->call_id, " ;<>") != NULL || strpbrk(subscribe->from_tag, " ;<>") != NULL ||
            strpbrk(subscribe->branch, " ;<>") != NULL) {
                g_set_error_literal(error, SIP_MESSAGE_ERROR, SIP_MESSAGE_ERROR_INVALID_ARG,
                                    "Call-ID, From tag and Via branch must be tokens");
                return FALSE;
        }
        return TRUE;
}

static gboolean build_subscribe_headers(osip_message_t *message, const SipSubscribe *subscribe,
                                        const char *aor, GError **error) {
        g_autofree char *host_port = g_strdup_printf("%s:%u", subscribe->local_address, subscribe->local_port);
        g_autofree char *via = g_strdup_printf("SIP/2.0/UDP %s;branch=%s;rport", host_port, subscribe->branch);
        g_autofree char *from = g_strdup_printf("<%s>;tag=%s", aor, subscribe->from_tag);
        g_autofree char *to = g_strdup_printf("<%s>", aor);
        g_autofree char *cseq = g_strdup_printf("%u SUBSCRIBE", subscribe->cseq);
        g_autofree char *contact = g_strdup_printf("<sip:%s>", host_port);
        g_autofree char *event = g_strdup_printf(
                "ua-profile;profile-type=\"device\";vendor=\"%s\";model=\"%s\";"
                "version=\"%s\"",
                subscribe->vendor, subscribe->model, subscribe->version);

        if (osip_message_set_via(message, via) != 0 || osip_message_set_from(message, from) != 0 ||
            osip_message_set_to(message, to) != 0 ||
            osip_message_set_call_id(message, subscribe->call_id) != 0 ||
            osip_message_set_cseq(message, cseq) != 0 || osip_message_set_contact(message, contact) != 0 ||
            osip_message_set_max_forwards(message, "70") != 0 ||
            osip_message_set_header(message, "Event", event) != 0 ||
            osip_message_set_expires(message, "0") != 0 ||
            osip_message_set_accept(message, "application/url") != 0 ||
            osip_message_set_content_length(message, "0") != 0) {
                g_set_error(error, SIP_MESSAGE_ERROR, SIP_MESSAGE_ERROR_INVALID_ARG,
                            "cannot build a SUBSCRIBE from %s (Call-ID %s)", host_port, subscribe->call_id);
                return FALSE;
        }
        return TRUE;
}

char *sip_message_build_subscribe(const SipSubscribe *subscribe, gsize *length, GError **error) {
        g_autoptr(osip_message_t) message = NULL;
        g_autofree char *mac = NULL;
        g_autofree char *lower_mac = NULL;
        g_autofree char *aor = NULL;
        osip_uri_t *uri = NULL;
        char *text = NULL;
        size_t text_length = 0;

        g_return_val_if_fail(subscribe != NULL, NULL);

        sip_parser_init();
        if (!check_subscribe(subscribe, error))
                return NULL;
        mac = device_identity_normalize_mac(subscribe->mac != NULL ? subscribe->mac : "");
        if (mac == NULL) {
                g_set_error(error, SIP_MESSAGE_ERROR, SIP_MESSAGE_ERROR_INVALID_ARG, "not a MAC address: %s",
                            subscribe->mac != NULL ? subscribe->mac : "(none)");
                return NULL;
        }
        lower_mac = g_ascii_strdown(mac, -1);
        aor = g_strdup_printf("sip:MAC%%3a%s@%s", lower_mac, subscribe->group);

        if (osip_message_init(&message) != 0 || osip_uri_init(&uri) != 0) {
                g_set_error_literal(error, SIP_MESSAGE_ERROR, SIP_MESSAGE_ERROR_INVALID_ARG, "out of memory");
                return NULL;
        }
        osip_message_set_method(message, osip_strdup("SUBSCRIBE"));
        osip_message_set_version(message, osip_strdup("SIP/2.0"));
        if (osip_uri_parse(uri, aor) != 0) {
                osip_uri_free(uri);
                g_set_error(error, SIP_MESSAGE_ERROR, SIP_MESSAGE_ERROR_INVALID_ARG, "not a SIP URI: %s", aor);
                return NULL;
        }
        osip_message_set_uri(message, uri);
        if (!build_subscribe_headers(message, subscribe, aor, error))
                return NULL;
        if (osip_message_to_str(message, &text, &text_length) != 0) {
                g_set_error_literal(error, SIP_MESSAGE_ERROR, SIP_MESSAGE_ERROR_INVALID_ARG,
                                    "cannot write the SUBSCRIBE");
                return NULL;
        }
        return spell_mac_prefix(osip_take_string(text, text_length, length));
}

static gboolean incoming_set_error(GError **error, SipMessageError code, const char *format, ...)
        G_GNUC_PRINTF(3, 4);

static gboolean incoming_set_error(GError **error, SipMessageError code, const char *format, ...) {
        g_autofree char *message = NULL;
        va_list args;

        va_start(args, format);
        message = g_strdup_vprintf(format, args);
        va_end(args);
        g_set_error_literal(error, SIP_MESSAGE_ERROR, code, message);
        return FALSE;
}

/* Text from the wire, safe for a log line or a status message: escaped and cut. */
static char *printable(const char *text) {
        g_autofree char *escaped = g_strescape(text != NULL ? text : "", NULL);

        if (strlen(escaped) > 64)
                return g_strdup_printf("%.64s…", escaped);
        return g_steal_pointer(&escaped);
}

static gboolean check_call_id(osip_message_t *message, const char *call_id, GError **error) {
        g_autofree char *received = NULL;
        char *text = NULL;

        if (message->call_id == NULL || osip_call_id_to_str(message->call_id, &text) != 0)
                return incoming_set_error(error, SIP_MESSAGE_ERROR_MALFORMED, "no Call-ID");
        received = g_strdup(text);
        osip_free(text);
        if (g_strcmp0(received, call_id) != 0) {
                g_autofree char *shown = printable(received);
                return incoming_set_error(error, SIP_MESSAGE_ERROR_NOT_OURS, "Call-ID %s is not ours", shown);
        }
        return TRUE;
}

static gboolean check_dialog_headers(osip_message_t *message, GError **error) {
        if (message->from == NULL || message->to == NULL || message->cseq == NULL ||
            message->cseq->number == NULL || message->cseq->method == NULL ||
            osip_list_size(&message->vias) < 1)
                return incoming_set_error(error, SIP_MESSAGE_ERROR_MALFORMED, "From, To, CSeq or Via missing");
        return TRUE;
}

static gboolean check_response(osip_message_t *message, const char *call_id, guint32 cseq, GError **error) {
        guint64 number = 0;

        if (!check_call_id(message, call_id, error) || !check_dialog_headers(message, error))
                return FALSE;
        if (!g_ascii_string_to_unsigned(message->cseq->number, 10, 0, G_MAXUINT32, &number, NULL) ||
            number != cseq || g_ascii_strcasecmp(message->cseq->method, "SUBSCRIBE") != 0) {
                g_autofree char *shown = printable(message->cseq->number);
                return incoming_set_error(error, SIP_MESSAGE_ERROR_NOT_OURS,
                                          "response to CSeq %s is not ours", shown);
        }
        if (message->status_code < 100 || message->status_code > 699)
                return incoming_set_error(error, SIP_MESSAGE_ERROR_MALFORMED, "status code %d out of range",
                                          message->status_code);
        return TRUE;
}

/* RFC 6080 §5: the NOTIFY belongs to the ua-profile event package. "o" is Event's compact form. */
static gboolean check_event(osip_message_t *message, GError **error) {
        osip_header_t *header = NULL;
        gsize token_length;

        if (osip_message_header_get_byname(message, "event", 0, &header) < 0 &&
            osip_message_header_get_byname(message, "o", 0, &header) < 0)
                return incoming_set_error(error, SIP_MESSAGE_ERROR_NOT_OURS, "NOTIFY without an Event header");
        if (header->hvalue == NULL)
                return incoming_set_error(error, SIP_MESSAGE_ERROR_NOT_OURS,
                                          "NOTIFY with an empty Event header");
        token_length = strcspn(header->hvalue, "; \t");
        if (token_length != strlen("ua-profile") ||
            g_ascii_strncasecmp(header->hvalue, "ua-profile", token_length) != 0) {
                g_autofree char *shown = printable(header->hvalue);
                return incoming_set_error(error, SIP_MESSAGE_ERROR_NOT_OURS,
                                          "NOTIFY for event %s, not ua-profile", shown);
        }
        return TRUE;
}

static char *unquote(const char *value) {
        gsize length = value != NULL ? strlen(value) : 0;

        if (length >= 2 && value[0] == '"' && value[length - 1] == '"')
                return g_strndup(value + 1, length - 2);
        return g_strdup(value != NULL ? value : "");
}

/* RFC 4483: message/external-body;access-type="URL";URL="http://…" */
static char *external_body_url(osip_content_type_t *content_type, GError **error) {
        osip_generic_param_t *access_type = NULL;
        osip_generic_param_t *url = NULL;
        g_autofree char *access = NULL;

        osip_generic_param_get_byname(&content_type->gen_params, "access-type", &access_type);
        access = unquote(access_type != NULL ? access_type->gvalue : NULL);
        if (g_ascii_strcasecmp(access, "URL") != 0) {
                g_autofree char *shown = printable(access);
                incoming_set_error(error, SIP_MESSAGE_ERROR_NO_URL,
                                   "message/external-body with access-type \"%s\", not URL", shown);
                return NULL;
        }
        osip_generic_param_get_byname(&content_type->gen_params, "url", &url);
        if (url == NULL || url->gvalue == NULL) {
                incoming_set_error(error, SIP_MESSAGE_ERROR_NO_URL,
                                   "message/external-body without a URL parameter");
                return NULL;
        }
        return unquote(url->gvalue);
}

static char *application_url(osip_message_t *message, GError **error) {
        osip_body_t *body = NULL;

        if (osip_message_get_body(message, 0, &body) < 0 || body == NULL || body->body == NULL) {
                incoming_set_error(error, SIP_MESSAGE_ERROR_NO_URL, "application/url NOTIFY without a body");
                return NULL;
        }
        return g_strstrip(g_strndup(body->body, body->length));
}

static char *notify_url(osip_message_t *message, GError **error) {
        osip_content_type_t *content_type = message->content_type;

        if (content_type == NULL || content_type->type == NULL || content_type->subtype == NULL) {
                incoming_set_error(error, SIP_MESSAGE_ERROR_NO_URL, "NOTIFY without a Content-Type");
                return NULL;
        }
        if (g_ascii_strcasecmp(content_type->type, "application") == 0 &&
            g_ascii_strcasecmp(content_type->subtype, "url") == 0)
                return application_url(message, error);
        if (g_ascii_strcasecmp(content_type->type, "message") == 0 &&
            g_ascii_strcasecmp(content_type->subtype, "external-body") == 0)
                return external_body_url(content_type, error);

        g_autofree char *type = printable(content_type->type);
        g_autofree char *subtype = printable(content_type->subtype);
        incoming_set_error(error, SIP_MESSAGE_ERROR_NO_URL,
                           "NOTIFY with Content-Type %s/%s, not application/url", type, subtype);
        return NULL;
}

static gboolean check_url(const char *url, GError **error) {
        if (*url == '\0')
                return incoming_set_error(error, SIP_MESSAGE_ERROR_NO_URL, "NOTIFY with an empty URL");
        if (strlen(url) > SIP_MESSAGE_MAX_URL_LENGTH)
                return incoming_set_error(error, SIP_MESSAGE_ERROR_NO_URL, "NOTIFY URL longer than %d bytes",
                                          SIP_MESSAGE_MAX_URL_LENGTH);
        for (const char *p = url; *p != '\0'; p++) {
                if (!g_ascii_isgraph(*p))
                        return incoming_set_error(error, SIP_MESSAGE_ERROR_NO_URL,
                                                  "NOTIFY URL holds a space or control character (0x%02x)",
                                                  (guchar) *p);
        }
        return url_check_fetchable(url, error);
}

static char *check_notify(osip_message_t *message, const char *call_id, GError **error) {
        g_autofree char *url = NULL;

        if (!check_call_id(message, call_id, error) || !check_dialog_headers(message, error) ||
            !check_event(message, error))
                return NULL;
        url = notify_url(message, error);
        if (url == NULL || !check_url(url, error))
                return NULL;
        return g_steal_pointer(&url);
}

static osip_message_t *parse_datagram(const char *data, gsize length, GError **error) {
        g_autoptr(osip_message_t) message = NULL;

        if (length == 0) {
                incoming_set_error(error, SIP_MESSAGE_ERROR_MALFORMED, "empty datagram");
                return NULL;
        }
        if (length > SIP_MESSAGE_MAX_LENGTH) {
                incoming_set_error(error, SIP_MESSAGE_ERROR_MALFORMED, "message longer than %d bytes",
                                   SIP_MESSAGE_MAX_LENGTH);
                return NULL;
        }
        if (memchr(data, '\0', length) != NULL) {
                incoming_set_error(error, SIP_MESSAGE_ERROR_MALFORMED, "NUL byte in the message");
                return NULL;
        }
        sip_parser_init();
        if (osip_message_init(&message) != 0 || osip_message_parse(message, data, length) != 0) {
                incoming_set_error(error, SIP_MESSAGE_ERROR_MALFORMED, "not a SIP message");
                return NULL;
        }
        return g_steal_pointer(&message);
}

SipIncoming *sip_message_parse_incoming(const char *data, gsize length, const char *call_id, guint32 cseq,
                                        GError **error) {
        g_autoptr(osip_message_t) message = NULL;
        g_autofree char *url = NULL;
        SipIncoming *incoming;

        g_return_val_if_fail(data != NULL || length == 0, NULL);
        g_return_val_if_fail(call_id != NULL, NULL);

        message = parse_datagram(data != NULL ? data : "", length, error);
        if (message == NULL)
                return NULL;
        if (MSG_IS_RESPONSE(message)) {
                if (!check_response(message, call_id, cseq, error))
                        return NULL;
        } else if (message->sip_method != NULL && g_ascii_strcasecmp(message->sip_method, "NOTIFY") == 0) {
                url = check_notify(message, call_id, error);
                if (url == NULL)
                        return NULL;
        } else {
                g_autofree char *method = printable(message->sip_method);
                incoming_set_error(error, SIP_MESSAGE_ERROR_UNEXPECTED, "unexpected %s request", method);
                return NULL;
        }

        incoming = g_new0(SipIncoming, 1);
        incoming->kind = url != NULL ? SIP_INCOMING_NOTIFY : SIP_INCOMING_RESPONSE;
        incoming->message = g_steal_pointer(&message);
        incoming->url = g_steal_pointer(&url);
        return incoming;
}

SipIncomingKind sip_incoming_get_kind(const SipIncoming *incoming) {
        return incoming->kind;
}

guint sip_incoming_get_status(const SipIncoming *incoming) {
        return incoming->kind == SIP_INCOMING_RESPONSE ? (guint) incoming->message->status_code : 0;
}

const char *sip_incoming_get_url(const SipIncoming *incoming) {
        return incoming->url;
}

static gboolean copy_dialog_headers(osip_message_t *response, const osip_message_t *request) {
        for (int i = 0; i < osip_list_size(&request->vias); i++) {
                osip_via_t *via = osip_list_get(&request->vias, i);
                osip_via_t *copy = NULL;

                if (osip_via_clone(via, &copy) != 0)
                        return FALSE;
                osip_list_add(&response->vias, copy, -1);
        }
        return osip_from_clone(request->from, &response->from) == 0 &&
                osip_to_clone(request->to, &response->to) == 0 &&
                osip_call_id_clone(request->call_id, &response->call_id) == 0 &&
                osip_cseq_clone(request->cseq, &response->cseq) == 0;
}

char *sip_message_build_notify_ok(const SipIncoming *incoming, gsize *length, GError **error) {
        g_autoptr(osip_message_t) response = NULL;
        char *text = NULL;
        size_t text_length = 0;

        g_return_val_if_fail(incoming != NULL, NULL);

        if (incoming->kind != SIP_INCOMING_NOTIFY) {
                incoming_set_error(error, SIP_MESSAGE_ERROR_UNEXPECTED, "only a NOTIFY is answered");
                return NULL;
        }
        if (osip_message_init(&response) != 0) {
                incoming_set_error(error, SIP_MESSAGE_ERROR_MALFORMED, "out of memory");
                return NULL;
        }
        osip_message_set_version(response, osip_strdup("SIP/2.0"));
        osip_message_set_status_code(response, 200);
        osip_message_set_reason_phrase(response, osip_strdup("OK"));
        if (!copy_dialog_headers(response, incoming->message) ||
            osip_message_set_content_length(response, "0") != 0 ||
            osip_message_to_str(response, &text, &text_length) != 0) {
                incoming_set_error(error, SIP_MESSAGE_ERROR_MALFORMED, "cannot answer the NOTIFY");
                return NULL;
        }
        return spell_mac_prefix(osip_take_string(text, text_length, length));
}

void sip_incoming_free(SipIncoming *incoming) {
        if (incoming == NULL)
                return;
        osip_message_free(incoming->message);
        g_free(incoming->url);
        g_free(incoming);
}
