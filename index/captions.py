"""Photo captions, photo credits and embedded posts in scraped article text.

A scraped news page keeps the captions of its pictures as lines of the text: "People play dominoes by
flashlight during a blackout in Havana on Wednesday. Ramon Espinosa/AP". A caption describes a picture,
not what the article reports: it is never an answer and never a timeline event. It is recognised by what
publishers put around it, never by its wording:

- a photo credit closing the line: names and agencies joined by slashes ("Austin Steele/CNN", "Jessica
  Taylor/UK Parliament/Reuters"), or an agency alone after the last sentence (". Reuters", ". Getty
  Images"), optionally followed by a gallery's "Prev Next";
- a gallery: "Photos: <gallery title> <caption> Hide Caption 3 of 21 ...";
- a credit line on its own ("Image via Shutterstock", "Photo: ...", "(AP Photo/Evan Vucci)");
- an embedded post: "pic.twitter.com/..." or its signature "— Name (@handle) September 26, 2022".
"""

from __future__ import annotations

import re

_NAME = r"[A-Z][\w.'’&-]*(?:\s+(?:[A-Z][\w.'’&-]*|de|da|van|von|del|la|le|of|the|and|for|at|via))*"
# "Austin Steele/CNN", "JOHN GAPS III/AP POOL/ASSOCIATED PRESS", "Keystone-France/Gamma-Keystone/Getty Images"
_SLASHED = _NAME + r"(?:\s*/\s*" + _NAME + r")+"
_AGENCY = (r"(?:CNN|AP|AP Photo|Associated Press|Reuters|AFP|AFP via Getty Images|Getty Images|Getty|EPA"
           r"|EPA-EFE|Bloomberg|Shutterstock|Alamy|Pool|NASA|USA TODAY|USA TODAY NETWORK|Courtesy)")
_CREDIT_END = re.compile(
    r"[.!?\"”’)]\s+(?:" + _SLASHED + r"|" + _AGENCY + r"|(?:From|Courtesy(?:\s+of)?)\s+" + _NAME + r")"
    r"(?:\s+Prev\s+Next)?\s*$")
_GALLERY = re.compile(r"\bHide Caption \d+ of \d+\b|^Photos?:\s|\bPrev Next$")
_CREDIT_LINE = re.compile(
    r"(?:\(?(?:AP|AFP|Reuters)?\s*Photos?(?:\s+by|\s+credit|:|/)\s*[^.]{0,80}\)?|" + _SLASHED
    + r"|(?:Image|Photo|Picture)s?\s+(?:via|by|courtesy(?:\s+of)?|credit:?)\s+[^.]{0,80})\s*$", re.IGNORECASE)
_POST = re.compile(r"pic\.twitter\.com/\w+|—\s*[^—\n]{1,80}\(@\w{1,30}\)\s+\w+\s+\d{1,2},\s+\d{4}\s*$")


def is_caption(line: str) -> bool:
    """Whether one line of scraped text is a photo caption, a credit, a gallery or an embedded post."""
    line = line.strip()
    if not line:
        return False
    return bool(_CREDIT_END.search(line) or _GALLERY.search(line) or _POST.search(line)
                or (len(line) <= 120 and _CREDIT_LINE.fullmatch(line)))
