/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "xml-decode.h"

#include <string.h>

#include "provision-error.h"

typedef struct {
        const char *bytes;
        gsize length;
        const char *encoding;
} ByteOrderMark;

/* UTF-32LE before UTF-16LE: its mark begins with UTF-16LE's. */
static const ByteOrderMark byte_order_marks[] = {
        { "\xEF\xBB\xBF", 3, "UTF-8" },        { "\xFF\xFE\x00\x00", 4, "UTF-32LE" },
        { "\x00\x00\xFE\xFF", 4, "UTF-32BE" }, { "\xFF\xFE", 2, "UTF-16LE" },
        { "\xFE\xFF", 2, "UTF-16BE" },
};

/* "<?" without a byte order mark (XML 1.0 Appendix F.1). */
static const ByteOrderMark unmarked_starts[] = {
        { "<\0?\0", 4, "UTF-16LE" },
        { "\0<\0?", 4, "UTF-16BE" },
};

/* The encoding declaration of an ASCII-compatible XML declaration (XML 1.0 §4.3.3). */
#define ENCODING_DECLARATION                                                                         \
        "^<\\?xml[ \\t\\r\\n]+version[ \\t\\r\\n]*=[ \\t\\r\\n]*(?:\"[^\"]*\"|'[^']*')[ \\t\\r\\n]+" \
        "encoding[ \\t\\r\\n]*=[ \\t\\r\\n]*[\"']([A-Za-z][A-Za-z0-9._-]*)[\"']"

typedef struct {
        char *encoding;
        const char *source; /* where it came from, for messages */
        gsize skip;         /* bytes of the byte order mark */
} Detected;

static const ByteOrderMark *find_mark(const ByteOrderMark *marks, gsize n_marks, const char *data, gsize size) {
        for (gsize i = 0; i < n_marks; i++)
                if (size >= marks[i].length && memcmp(data, marks[i].bytes, marks[i].length) == 0)
                        return &marks[i];
        return NULL;
}

/* Compiled once: every document is matched against it, twice (its bytes, then its UTF-8 text). */
static GRegex *encoding_declaration(void) {
        static gsize regex = 0;

        if (g_once_init_enter(&regex))
                g_once_init_leave(&regex, (gsize) g_regex_new(ENCODING_DECLARATION, G_REGEX_RAW, 0, NULL));
        return (GRegex *) regex;
}

/* The encoding declared in the XML declaration at the start of @data, or NULL. */
static char *declared_encoding(const char *data, gsize size, gsize *start, gsize *end) {
        GRegex *regex = encoding_declaration();
        g_autoptr(GMatchInfo) match = NULL;
        int match_start = 0;
        int match_end = 0;

        /* The declaration is short: 200 bytes are plenty and bound the work. */
        if (!g_regex_match_full(regex, data, MIN(size, 200), 0, 0, &match, NULL))
                return NULL;
        g_match_info_fetch_pos(match, 1, &match_start, &match_end);
        if (start != NULL)
                *start = match_start;
        if (end != NULL)
                *end = match_end;
        return g_match_info_fetch(match, 1);
}

static Detected detect(const char *data, gsize size, const char *charset) {
        const ByteOrderMark *mark = find_mark(byte_order_marks, G_N_ELEMENTS(byte_order_marks), data, size);
        char *declared;

        if (mark != NULL)
                return (Detected){ g_strdup(mark->encoding), "byte order mark", mark->length };
        if (charset != NULL && *charset != '\0')
                return (Detected){ g_strdup(charset), "HTTP Content-Type charset", 0 };
        mark = find_mark(unmarked_starts, G_N_ELEMENTS(unmarked_starts), data, size);
        if (mark != NULL)
                return (Detected){ g_strdup(mark->encoding), "\"<?\" in UTF-16", 0 };
        declared = declared_encoding(data, size, NULL, NULL);
        if (declared != NULL)
                return (Detected){ declared, "XML declaration", 0 };
        return (Detected){ g_strdup("UTF-8"), "no byte order mark, charset or encoding declaration", 0 };
}

static gboolean is_utf8_name(const char *encoding) {
        return g_ascii_strcasecmp(encoding, "UTF-8") == 0 || g_ascii_strcasecmp(encoding, "UTF8") == 0;
}

/* The line (from 1) of byte @offset of @data, counting LF bytes; right for ASCII-compatible encodings. */
static guint line_of(const char *data, gsize offset) {
        guint line = 1;

        for (gsize i = 0; i < offset; i++)
                if (data[i] == '\n')
                        line++;
        return line;
}

/* How many leading bytes of @data are ASCII other than NUL (valid UTF-8 as they are), tested
 * 8 at a time: settings are almost all ASCII, and g_utf8_validate_len() takes about 9
 * instructions a byte where this takes one. */
static gsize ascii_prefix_length(const char *data, gsize size) {
        const guint64 high_bits = G_GUINT64_CONSTANT(0x8080808080808080);
        const guint64 low_bits = G_GUINT64_CONSTANT(0x0101010101010101);
        gsize at = 0;

        for (; at + sizeof(guint64) <= size; at += sizeof(guint64)) {
                guint64 word;
                memcpy(&word, data + at, sizeof(word));
                /* A byte with its high bit set, or a zero byte (the classic haszero test). */
                if ((word & high_bits) != 0 || ((word - low_bits) & ~word & high_bits) != 0)
                        break;
        }
        while (at < size && (guchar) data[at] != 0 && (guchar) data[at] < 0x80)
                at++;
        return at;
}

static char *to_utf8(const char *data, gsize size, const Detected *detected, const char *what, gsize *length,
                     GError **error) {
        g_autoptr(GError) convert_error = NULL;
        gsize read = 0;
        const char *end = NULL;
        char *text;

        if (is_utf8_name(detected->encoding)) {
                gsize ascii = ascii_prefix_length(data, size);
                if (!g_utf8_validate_len(data + ascii, size - ascii, &end) && *end == '\0') {
                        g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE,
                                    "%s contains a NUL byte at offset %" G_GSIZE_FORMAT
                                    " (line %u), which XML does not allow",
                                    what, (gsize) (end - data) + detected->skip, line_of(data, end - data));
                        return NULL;
                }
                if (end != data + size) {
                        g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE,
                                    "%s is not valid UTF-8 (encoding from: %s) at byte %" G_GSIZE_FORMAT
                                    ", line %u; declare its encoding",
                                    what, detected->source, (gsize) (end - data) + detected->skip,
                                    line_of(data, end - data));
                        return NULL;
                }
                *length = size;
                return g_strndup(data, size);
        }
        text = g_convert(data, size, "UTF-8", detected->encoding, &read, length, &convert_error);
        if (text == NULL && g_error_matches(convert_error, G_CONVERT_ERROR, G_CONVERT_ERROR_NO_CONVERSION))
                g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE,
                            "%s: unknown character encoding \"%s\" (from: %s)", what, detected->encoding,
                            detected->source);
        else if (text == NULL)
                g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE,
                            "%s is not valid %s (encoding from: %s) at byte %" G_GSIZE_FORMAT, what,
                            detected->encoding, detected->source, read + detected->skip);
        return text;
}

/* The parser must not convert the UTF-8 text again from what the declaration names. */
static char *declare_utf8(char *text, gsize *length) {
        gsize start = 0;
        gsize end = 0;
        g_autofree char *declared = declared_encoding(text, *length, &start, &end);
        GString *rewritten;

        if (declared == NULL || is_utf8_name(declared))
                return text;
        rewritten = g_string_new_len(text, start);
        g_string_append(rewritten, "UTF-8");
        g_string_append_len(rewritten, text + end, *length - end);
        g_free(text);
        *length = rewritten->len;
        return g_string_free(rewritten, FALSE);
}

char *xml_decode_to_utf8(const char *data, gsize size, const char *charset, const char *what, gsize *length,
                         GError **error) {
        Detected detected;
        char *text;

        /* Nothing to decode, and @data may be NULL (an empty GBytes): say so here, for every caller. */
        if (size == 0) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE, "%s is empty", what);
                return NULL;
        }
        detected = detect(data, size, charset);
        text = to_utf8(data + detected.skip, size - detected.skip, &detected, what, length, error);

        g_free(detected.encoding);
        if (text == NULL)
                return NULL;
        /* A byte order mark that the charset did not have in mind (UTF-8 named, UTF-8 BOM sent). */
        if (*length >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
                memmove(text, text + 3, *length - 3 + 1);
                *length -= 3;
        }
        return declare_utf8(text, length);
}
