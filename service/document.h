/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Provisioning documents: which type a document is, and the sections of a patch document. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "schema.h"

typedef enum {
        DOCUMENT_PATCH,      /* <configuration> or a bare settings section */
        DOCUMENT_REFERENCE,  /* <referencedSettings> */
        DOCUMENT_OPERATIONS, /* <operations> */
} DocumentType;

/**
 * document_classify:
 * Tells the type of @doc from its root element. Fails with
 * PROV_ERROR_INVALID_FILE for a root that is none of the known ones.
 */
gboolean document_classify(xmlDoc *doc, const SchemaSet *schemas, DocumentType *type, GError **error);

/** A classified document, ready to apply. */
typedef struct {
        char *origin; /* where it came from, for messages: a redacted URL, "the document" */
        DocumentType type;
        xmlDoc *doc;
} Document;

/** document_new: takes @origin and @doc. */
Document *document_new(char *origin, DocumentType type, xmlDoc *doc);

void document_free(Document *document);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Document, document_free)

/**
 * document_parse_with_charset:
 * Reads @size bytes at @data as an untrusted document: decodes them to UTF-8
 * first (xml_decode_to_utf8(): byte order mark, then @charset, the HTTP
 * charset parameter or NULL, then the XML declaration), then escapes the
 * vendor markers inside <URL> (markers_escape_in_url_elements()), parses
 * (xml_parse_untrusted(), @what names the document in messages) and
 * classifies it. Nothing looks at the bytes before they are decoded. A parse
 * error caused by an unescaped marker elsewhere names the marker and its
 * element. Returns the document, or NULL with PROV_ERROR_INVALID_FILE.
 */
xmlDoc *document_parse_with_charset(const char *data, gsize size, const char *charset, const char *what,
                                    const SchemaSet *schemas, DocumentType *type, GError **error);

/** document_parse: document_parse_with_charset() without a charset (a file: ApplyFile). */
xmlDoc *document_parse(const char *data, gsize size, const char *what, const SchemaSet *schemas, DocumentType *type,
                       GError **error);

/** document_find_section: the section element named @name below @doc's root (<configuration>), or NULL. */
xmlNode *document_find_section(xmlDoc *doc, const char *name);

/** document_type_name: "patch", "reference" or "operations". */
const char *document_type_name(DocumentType type);

typedef struct {
        xmlNode *section; /* element in the patch document */
        gboolean replace; /* patch="false": replaces the section whole */
} PatchSection;

/**
 * document_patch_sections:
 * Returns the sections of the patch document @doc in document order (an
 * array of PatchSection, freed with g_array_unref()), each with its effective
 * patch mode (section `patch` over configuration `patchDefault`, default
 * merge). The `patch` attributes are removed from the document. Elements
 * below <configuration> that are no section are removed and reported in
 * @warnings. A `patch`/`patchDefault` value that is not a boolean fails with
 * PROV_ERROR_INVALID_FILE.
 */
GArray *document_patch_sections(xmlDoc *doc, const SchemaSet *schemas, GPtrArray *warnings, GError **error);
