/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "reference.h"

#include "markers.h"
#include "provision-error.h"
#include "url.h"
#include "xml-cleanup.h"
#include "xml-parse.h"

#define REFERENCE_ROOT "referencedSettings"
#define REFERENCE_URL "URL"

/* The text of the <URL> element at @position, normalised (url_normalize_input()); NULL with
 * @error unset for a blank one, which is skipped; NULL with @error if it is not a usable <URL>. */
static char *read_url_element(xmlNode *element, guint position, GError **error) {
        g_autoptr(XmlString) content = NULL;

        if (!g_str_equal(xml_node_name(element), REFERENCE_URL)) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE,
                            "reference %u: <%s> is not allowed in <" REFERENCE_ROOT ">, only <" REFERENCE_URL
                            ">",
                            position, xml_node_name(element));
                return NULL;
        }
        if (xml_has_element_children(element)) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE,
                            "reference %u: <" REFERENCE_URL "> must contain only text", position);
                return NULL;
        }
        content = xmlNodeGetContent(element);
        return url_normalize_input((const char *) content);
}

/* Markers first: "prov.py?mac={mac}" is resolved once it names the phone. */
static char *resolve_reference(const char *reference, const char *base_url, const DeviceIdentity *device,
                               GError **error) {
        g_autofree char *marked = markers_replace(reference, device);
        g_autofree char *url = url_resolve(base_url, marked, error);

        if (url == NULL || !url_check_fetchable(url, error))
                return NULL;
        return g_steal_pointer(&url);
}

GStrv reference_urls(xmlDoc *doc, const char *base_url, const DeviceIdentity *device, GError **error) {
        g_autoptr(GStrvBuilder) urls = g_strv_builder_new();
        xmlNode *root = xmlDocGetRootElement(doc);
        guint position = 0;

        if (!g_str_equal(xml_node_name(root), REFERENCE_ROOT)) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE,
                            "root element <%s> is not <" REFERENCE_ROOT ">", xml_node_name(root));
                return NULL;
        }
        for (xmlNode *element = xml_first_element_child(root); element != NULL;
             element = xml_next_element(element)) {
                g_autoptr(GError) local_error = NULL;
                g_autofree char *reference = read_url_element(element, ++position, &local_error);
                g_autofree char *url = NULL;

                if (local_error != NULL) {
                        g_propagate_error(error, g_steal_pointer(&local_error));
                        return NULL;
                }
                if (reference == NULL)
                        continue; /* blank: no URL given there */
                url = resolve_reference(reference, base_url, device, error);
                if (url == NULL)
                        return NULL;
                g_strv_builder_add(urls, url);
        }
        if (position == 0) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE,
                            "<" REFERENCE_ROOT "> contains no <" REFERENCE_URL ">");
                return NULL;
        }
        return g_strv_builder_end(urls);
}
