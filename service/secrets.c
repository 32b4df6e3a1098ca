/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "secrets.h"

#include "xml-parse.h"

/* identities/identity/password, provisioning/password, users/user/password (a hash):
 * every secret of the schemas is named like this, and a new one must be too. */
gboolean secrets_is_secret(const xmlNode *node) {
        g_autofree char *name = NULL;

        if (node == NULL || node->type != XML_ELEMENT_NODE)
                return FALSE;
        name = g_ascii_strdown(xml_node_name(node), -1);
        return strstr(name, "password") != NULL;
}

guint secrets_remove(xmlNode *root) {
        xmlNode *child = xml_first_element_child(root);
        guint removed = 0;

        while (child != NULL) {
                xmlNode *next = xml_next_element(child);
                if (secrets_is_secret(child)) {
                        xmlUnlinkNode(child);
                        xmlFreeNode(child);
                        removed++;
                } else {
                        removed += secrets_remove(child);
                }
                child = next;
        }
        return removed;
}
