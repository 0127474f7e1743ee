"""Text from files shown exactly as written where Streamlit draws Markdown (messages, captions, labels)."""

from __future__ import annotations

import re

# Every character Markdown or Streamlit's additions give a meaning: emphasis, links and images, HTML, code, lists,
# headings, tables, LaTeX ($), coloured text and icons (":red[...]", ":material/...:"), autolinks ("https:",
# "www.", "a@b.c"), entities (&amp;). A backslash before ASCII punctuation shows the character itself and nothing
# of the backslash (CommonMark), so what a person reads is what the file says.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&@^=/])")
# After parsing, in the text itself, Streamlit still turns addresses into live links ("http://", "https://",
# "www.", "nama@host.id"), " -- " into a dash, " -> " into an arrow, " >= " into "≥" (and "<-", "<->", "<=",
# "~="), ":streamlit:" into its logo. An invisible word joiner between their characters keeps them as written.
_REWRITTEN = re.compile(r"(?<=\\-)(?=\\[->])|(?<=\\<)(?=\\[-=])|(?<=\\[>~])(?=\\=)|(?<=\\:)(?=streamlit\\:)"
                        r"|(?<=\\:)(?=\\/)|(?<=www)(?=\\\.)|(?<=\\@)", re.IGNORECASE)
JOINER = "\u2060"


def md(text) -> str:
    """`text` (a unit name, a note, a warning quoting a cell ...) for a Streamlit call that renders Markdown:
    st.markdown/caption/write, st.info/warning/error/success, and the labels of widgets, expanders, tabs,
    buttons, page links and progress bars. Line breaks stay line breaks; nothing else has an effect."""
    lines = str(text).splitlines() or [""]
    return "  \n".join(_REWRITTEN.sub(JOINER, _SPECIAL.sub(r"\\\1", line.strip())) for line in lines)
