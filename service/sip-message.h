/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SIP messages of multicast PnP (RFC 6080 style): the SUBSCRIBE, its answers, the NOTIFY and our 200 OK. */
#pragma once

#include <glib.h>

/* Largest datagram we parse, in bytes; longer ones are refused unparsed. */
#define SIP_MESSAGE_MAX_LENGTH 8192
/* Longest provisioning URL we take from a NOTIFY, in bytes. */
#define SIP_MESSAGE_MAX_URL_LENGTH 2048

#define SIP_MESSAGE_ERROR (sip_message_error_quark())
GQuark sip_message_error_quark(void);

/* Why an incoming datagram is not an answer we take. The messages name the detail. */
typedef enum {
        SIP_MESSAGE_ERROR_MALFORMED,   /* not parseable as SIP, too long, or a required header missing */
        SIP_MESSAGE_ERROR_NOT_OURS,    /* Call-ID, CSeq or Event does not belong to our SUBSCRIBE */
        SIP_MESSAGE_ERROR_UNEXPECTED,  /* a request other than NOTIFY */
        SIP_MESSAGE_ERROR_NO_URL,      /* a NOTIFY without a usable URL (content type, empty, too long) */
        SIP_MESSAGE_ERROR_INVALID_ARG, /* our own parameters cannot make a SUBSCRIBE (e.g. not a MAC) */
} SipMessageError;

/* What goes into our SUBSCRIBE. All strings are borrowed. */
typedef struct {
        const char *group;         /* multicast group, host part of the Request-URI, e.g. "224.0.1.75" */
        guint16 group_port;        /* e.g. 5060 */
        const char *local_address; /* our unicast address for Via and Contact, e.g. "192.0.2.10" */
        guint16 local_port;        /* our socket's port */
        const char *mac;           /* any common notation; sent as 12 lower case hex digits */
        const char *vendor;        /* Event: vendor="…" */
        const char *model;         /* Event: model="…" (device type) */
        const char *version;       /* Event: version="…" (firmware) */
        const char *call_id;       /* unique per lookup */
        const char *from_tag;      /* unique per lookup */
        const char *branch;        /* Via branch, starts with "z9hG4bK" (RFC 3261 §8.1.1.7) */
        guint32 cseq;              /* CSeq number */
} SipSubscribe;

/**
 * sip_message_build_subscribe:
 * Builds the SUBSCRIBE of @subscribe: Request-URI, From and To
 * `sip:MAC%3a<mac>@<group>`, `Event: ua-profile;profile-type="device";…`,
 * `Expires: 0`, `Accept: application/url`, `Max-Forwards: 70`,
 * `Content-Length: 0`.
 * Returns: (transfer full) the message text (NUL-terminated, @length bytes),
 *   or NULL with SIP_MESSAGE_ERROR_INVALID_ARG.
 */
char *sip_message_build_subscribe(const SipSubscribe *subscribe, gsize *length, GError **error);

typedef enum {
        SIP_INCOMING_RESPONSE, /* an answer to our SUBSCRIBE */
        SIP_INCOMING_NOTIFY,   /* a NOTIFY of our subscription carrying an http(s) URL */
} SipIncomingKind;

typedef struct SipIncoming SipIncoming;

/**
 * sip_message_parse_incoming:
 * Parses one datagram (@data need not be NUL-terminated) received for the
 * lookup with @call_id and @cseq: a response must carry both (CSeq method
 * SUBSCRIBE); a NOTIFY must carry @call_id and `Event: ua-profile` and its
 * body must hold an http or https URL, as `Content-Type: application/url`
 * or as `message/external-body; access-type="URL"; URL="…"` (RFC 4483).
 * Never trusts the input: anything else fails with a SIP_MESSAGE_ERROR
 * naming the reason, or PROV_ERROR_UNSUPPORTED_URL for a URL that is not
 * http or https.
 * Returns: (transfer full) the message, or NULL with @error set.
 */
SipIncoming *sip_message_parse_incoming(const char *data, gsize length, const char *call_id, guint32 cseq,
                                        GError **error);

SipIncomingKind sip_incoming_get_kind(const SipIncoming *incoming);
/* The response's status code (100–699); 0 for a NOTIFY. */
guint sip_incoming_get_status(const SipIncoming *incoming);
/* The NOTIFY's URL (borrowed, valid while @incoming lives); NULL for a response. */
const char *sip_incoming_get_url(const SipIncoming *incoming);

/**
 * sip_message_build_notify_ok:
 * The `200 OK` answering the NOTIFY @incoming (RFC 3261 §8.2.6: Via, From,
 * To, Call-ID and CSeq copied, Content-Length 0).
 * Returns: (transfer full) the message text, @length bytes, or NULL with a
 *   SIP_MESSAGE_ERROR when @incoming is not a NOTIFY.
 */
char *sip_message_build_notify_ok(const SipIncoming *incoming, gsize *length, GError **error);

void sip_incoming_free(SipIncoming *incoming);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SipIncoming, sip_incoming_free)
