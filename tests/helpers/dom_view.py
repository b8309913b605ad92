# What a person sees of the status page, from the DOM a browser dumped
# (chromium --dump-dom) on stdin, one fact a line:
#
#   title: TEXT                   h1: TEXT
#   refresh: N                    (the meta refresh, if any)
#   #ID: TEXT                     (an element with an id, not a table:
#                                 its text)
#   head TABLE: A B C ...         (a table's column heads; TABLE is its id,
#                                 or "quiet" inside the folded <details>)
#   row TABLE CLASS: a | b | ...  (a body row; CLASS "-" if none)
#   total TABLE: a | b | ...      (its totals row)
#   details open|closed: SUMMARY
#   count TAG: N                  (elements of each tag)
import sys
from html.parser import HTMLParser

VOID = {"meta", "br", "img", "input", "link", "hr", "col", "wbr"}


class View(HTMLParser):
    def __init__(self):
        super().__init__()
        self.out = []
        self.counts = {}
        self.ids = []           # [id, text] being gathered
        self.stack = []
        self.table = []         # ids of tables open
        self.in_details = 0
        self.row = None
        self.cell = None
        self.section = None
        self.text_of = None     # title, h1, summary
        self.text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.counts[tag] = self.counts.get(tag, 0) + 1
        if tag == "meta" and a.get("http-equiv", "").lower() == "refresh":
            self.out.append("refresh: %s" % a.get("content"))
        if tag in VOID:
            return
        self.stack.append((tag, a.get("id")))
        if a.get("id") and tag not in ("table", "details"):
            self.ids.append([a["id"], "", len(self.stack)])
        if tag == "details":
            self.in_details += 1
            self.details_open = "open" in a
        if tag == "table":
            self.table.append("quiet" if self.in_details else
                              a.get("id", "?"))
        if tag in ("thead", "tbody", "tfoot"):
            self.section = tag
        if tag == "tr":
            self.row = []
            self.row_class = a.get("class") or "-"
        if tag in ("td", "th") and self.row is not None:
            self.cell = ""
        if tag in ("title", "h1", "summary"):
            self.text_of = tag
            self.text = ""

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        depth = len(self.stack)
        while self.ids and self.ids[-1][2] >= depth:
            i, t, _ = self.ids.pop()
            self.out.append("#%s: %s" % (i, " ".join(t.split())))
        if self.stack:
            self.stack.pop()
        if tag in ("td", "th") and self.cell is not None:
            self.row.append(" ".join(self.cell.split()))
            self.cell = None
        if tag == "tr" and self.row is not None:
            t = self.table[-1] if self.table else "?"
            if self.section == "thead":
                self.out.append("head %s: %s" % (t, " ".join(self.row)))
            elif self.section == "tfoot":
                self.out.append("total %s: %s" % (t, " | ".join(self.row)))
            else:
                self.out.append("row %s %s: %s" %
                                (t, self.row_class, " | ".join(self.row)))
            self.row = None
        if tag == "table" and self.table:
            self.table.pop()
        if tag == "details":
            self.in_details -= 1
        if tag == self.text_of:
            t = " ".join(self.text.split())
            if tag == "summary":
                self.out.append("details %s: %s" %
                                ("open" if self.details_open else "closed",
                                 t))
            else:
                self.out.append("%s: %s" % (tag, t))
            self.text_of = None

    def handle_data(self, data):
        for rec in self.ids:
            rec[1] += data
        if self.cell is not None:
            self.cell += data
        if self.text_of:
            self.text += data


v = View()
v.feed(sys.stdin.read())
v.close()
for line in v.out:
    print(line)
for tag in sorted(v.counts):
    print("count %s: %d" % (tag, v.counts[tag]))
