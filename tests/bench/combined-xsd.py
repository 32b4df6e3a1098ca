#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Writes one XSD that validates a whole <configuration> document against the
current release's section schemas (schemas/releases.conf): the floor of the
apply benchmark (`xmllint --schema`). Each section's own named components get
the section name as prefix, so that two sections may both name a type
"templateName"; the shared files under common/ are included once.

    combined-xsd.py SCHEMAS_DIR OUTPUT_DIR     (writes OUTPUT_DIR/combined.xsd)"""

import configparser
import os
import shutil
import sys
import xml.etree.ElementTree as ET

XS = 'http://www.w3.org/2001/XMLSchema'
NAMED = ('simpleType', 'complexType', 'group', 'attributeGroup', 'element', 'attribute')
IDENTITY = ('unique', 'key', 'keyref')
REFERENCES = ('type', 'base', 'ref', 'itemType', 'refer')


def xs(name):
    return f'{{{XS}}}{name}'


def current_sections(schemas_dir):
    manifest = configparser.ConfigParser(interpolation=None)
    manifest.optionxform = str
    manifest.read(os.path.join(schemas_dir, 'releases.conf'))
    return list(manifest[manifest['Releases']['Current']].items())


def rename(section, root):
    """Prefixes the section's own top-level names (not the section element) and
    identity constraints, and every unprefixed reference to them."""
    own = {child.get('name') for child in root
           if child.tag in map(xs, NAMED) and child.get('name') != section}
    for node in root.iter():
        if node.tag in map(xs, IDENTITY):
            node.set('name', f'{section}.{node.get("name")}')
            if node.get('refer') is not None:
                node.set('refer', f'{section}.{node.get("refer")}')
        if node in list(root) and node.get('name') in own:
            node.set('name', f'{section}.{node.get("name")}')
        for attribute in REFERENCES:
            value = node.get(attribute)
            if value is not None and ':' not in value and value in own:
                node.set(attribute, f'{section}.{value}')
        members = node.get('memberTypes')
        if members is not None:
            node.set('memberTypes', ' '.join(f'{section}.{m}' if m in own else m for m in members.split()))


def main():
    schemas_dir, output_dir = sys.argv[1], sys.argv[2]
    ET.register_namespace('xs', XS)
    combined = ET.Element(xs('schema'), {'elementFormDefault': 'unqualified'})
    includes = []
    bodies = []
    names = []
    for section, version in current_sections(schemas_dir):
        root = ET.parse(os.path.join(schemas_dir, 'sections', section, f'{version}.xsd')).getroot()
        for child in list(root):
            if child.tag == xs('include'):
                location = os.path.basename(child.get('schemaLocation'))
                if location not in includes:
                    includes.append(location)
                root.remove(child)
        rename(section, root)
        bodies.extend(root)
        names.append(section)
    os.makedirs(os.path.join(output_dir, 'common'), exist_ok=True)
    for location in includes:
        shutil.copy(os.path.join(schemas_dir, 'sections', 'common', location),
                    os.path.join(output_dir, 'common', location))
        ET.SubElement(combined, xs('include'), {'schemaLocation': f'common/{location}'})
    configuration = ET.SubElement(combined, xs('element'), {'name': 'configuration'})
    sequence = ET.SubElement(ET.SubElement(configuration, xs('complexType')), xs('all'))
    for section in names:
        ET.SubElement(sequence, xs('element'), {'ref': section, 'minOccurs': '0'})
    combined.extend(bodies)
    ET.ElementTree(combined).write(os.path.join(output_dir, 'combined.xsd'), encoding='UTF-8',
                                   xml_declaration=True)


if __name__ == '__main__':
    main()
