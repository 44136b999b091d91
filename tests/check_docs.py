#!/usr/bin/env python3
"""Checks the guide's links: every relative link of README.md and docs/*.md
names a file that exists and, with a #fragment, a heading of that page (the
GitHub and the Python-Markdown spelling of its anchor are both accepted);
every page of docs/ is in mkdocs.yml's nav and every nav entry exists.
Usage: check_docs.py ROOT. Exit 1 with one line per broken link."""
import os
import re
import sys
import unicodedata

LINK = re.compile(r'!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)')
CODE = re.compile(r'```.*?```|`[^`\n]*`', re.S)


def github_slug(title):
    s = title.strip().lower()
    s = re.sub(r'[^\w\- ]', '', s)
    return s.replace(' ', '-')


def markdown_slug(title):  # Python-Markdown's toc.slugify
    s = unicodedata.normalize('NFKD', title).encode('ascii', 'ignore').decode()
    s = re.sub(r'[^\w\s-]', '', s).strip().lower()
    return re.sub(r'[-\s]+', '-', s)


def anchors(path):
    out = set()
    text = open(path, encoding='utf-8').read()
    text = re.sub(r'```.*?```', '', text, flags=re.S)
    for m in re.finditer(r'^#{1,6}\s+(.*?)\s*#*\s*$', text, flags=re.M):
        title = re.sub(r'`', '', m.group(1))
        out.add(github_slug(title))
        out.add(markdown_slug(title))
    return out


def main(root):
    pages = [os.path.join(root, 'README.md')]
    docs = os.path.join(root, 'docs')
    pages += sorted(os.path.join(docs, f) for f in os.listdir(docs) if f.endswith('.md'))
    broken = []
    for page in pages:
        text = CODE.sub('', open(page, encoding='utf-8').read())
        for m in LINK.finditer(text):
            target = m.group(1)
            if re.match(r'^[a-z]+:', target):
                continue  # http:, https:, mailto:
            path, _, fragment = target.partition('#')
            full = os.path.normpath(os.path.join(os.path.dirname(page), path)) if path else page
            where = os.path.relpath(page, root)
            if not os.path.exists(full):
                broken.append(f'{where}: link to {target}: no such file')
            elif fragment and full.endswith('.md') and fragment not in anchors(full):
                broken.append(f'{where}: link to {target}: no heading with that anchor')
    nav = re.findall(r'^\s*-\s+[^:]+:\s+(\S+\.md)\s*$', open(os.path.join(root, 'mkdocs.yml')).read(), flags=re.M)
    for entry in nav:
        if not os.path.exists(os.path.join(docs, entry)):
            broken.append(f'mkdocs.yml: nav entry {entry}: no such page')
    for page in pages[1:]:
        if os.path.basename(page) not in nav:
            broken.append(f'{os.path.relpath(page, root)}: not in the nav of mkdocs.yml')
    for line in broken:
        print(line)
    print(f'{len(pages)} pages checked, {len(broken)} broken link(s)')
    return 1 if broken else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else '.'))
