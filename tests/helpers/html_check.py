# Is the HTML on stdin well formed, as the status page must be?  An HTML5
# doctype first, one html/head/body, every element that is not void
# closed in order, attribute values quoted, no stray "<" or "&" in text
# (raw text must be escaped).  Prints each problem; exit 1 if any.
import re
import sys
from html.parser import HTMLParser

VOID = {"meta", "br", "img", "input", "link", "hr", "col", "wbr"}


class Check(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.stack = []
        self.problems = []
        self.counts = {}

    def where(self):
        return "line %d" % self.getpos()[0]

    def handle_starttag(self, tag, attrs):
        self.counts[tag] = self.counts.get(tag, 0) + 1
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.counts[tag] = self.counts.get(tag, 0) + 1

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.problems.append("%s: </%s> closes <%s>" %
                                 (self.where(), tag,
                                  self.stack[-1] if self.stack else "-"))
            return
        self.stack.pop()

    def handle_data(self, data):
        if "<" in data or ">" in data:
            self.problems.append("%s: unescaped < or > in text %r" %
                                 (self.where(), data[:60]))

    def handle_entityref(self, name):
        if name not in ("amp", "lt", "gt", "quot", "middot", "mdash"):
            self.problems.append("%s: unknown entity &%s;" %
                                 (self.where(), name))


doc = sys.stdin.read()
c = Check()
if not doc.startswith("<!DOCTYPE html>\n"):
    c.problems.append("no HTML5 doctype first")
# An attribute value without quotes, or a bare & that is no reference.
for m in re.finditer(r"<[a-z]+(\s[^>]*)?>", doc):
    if re.search(r"=[^\"']", re.sub(r"\"[^\"]*\"|'[^']*'", '""', m.group(0))):
        c.problems.append("unquoted attribute in %r" % m.group(0)[:60])
for m in re.finditer(r"&(?!(amp|lt|gt|quot|#39|middot|mdash);)", doc):
    c.problems.append("bare & at offset %d" % m.start())
c.feed(doc)
c.close()
if c.stack:
    c.problems.append("not closed: %s" % " ".join(c.stack))
for tag in ("html", "head", "body", "title"):
    if c.counts.get(tag) != 1:
        c.problems.append("%d <%s>" % (c.counts.get(tag, 0), tag))
for p in c.problems:
    print(p)
sys.exit(1 if c.problems else 0)
