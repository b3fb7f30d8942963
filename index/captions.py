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
- an embedded post: "pic.twitter.com/..." or its signature "— Name (@handle) September 26, 2022";
- a credit that is no known agency: a few capitalised words after a caption-length sentence ("... as it
  rises Tuesday morning. NOAA", "... during a protest. Jane Roe for CNN");
- with the publication date known, a caption that carries no credit at all, by the way captions are
  written: a scene in the present tense, "<who> <does what a picture shows>", on a weekday and date up to
  the day of publication ("A man takes photos Thursday, September 29, of boats ..."). News prose tells a
  past day in the past tense; a present tense with a future day is a listing ("plays Comerica Theatre
  Friday, July 5"), not a caption.
"""

from __future__ import annotations

import re
from datetime import date

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
# a few capitalised words with no sentence ending, after a sentence of six words or more that an abbreviation
# does not end ("Sen. Tom Davis", "Warriors vs. Thunder", "Las Vegas Blvd. South")
_ABBREVIATED = "".join(rf"(?<!\b{a})" for a in (
    "vs", "vers", "ft", "feat", "Sen", "Rep", "Gov", "Gen", "Maj", "Capt", "Sgt", "Jr", "Sr", "Blvd", "Ave",
    "Rd", "Hwy"))
# a link or button closing a paragraph of prose ("... on the pop charts. LISTEN") is no credit
_BUTTON = r"(?!(?:LISTEN|WATCH|READ|MORE|VIDEO|PHOTOS|SHOP|FOLLOW|Thank)\b)"
_CREDIT_WORDS = re.compile(
    r"^(?:\S+\s+){6,}\S*[a-z0-9)\"”’]{2}" + _ABBREVIATED + r"\.[\"”’)]?\s+"
    r"(?=[A-Z][\w'’&-]{2})" + _BUTTON
    + r"[A-Z][\w'’&-]*(?:\s+(?:[A-Z][\w'’&-]*|of|for|and|the|de|van|von|via)){0,5}(?<!-)$")
_POST = re.compile(r"pic\.twitter\.com/\w+|—\s*[^—\n]{1,80}\(@\w{1,30}\)\s+\w+\s+\d{1,2},\s+\d{4}\s*$")


# The verbs credited captions of the corpus open with most often: what a picture shows someone doing.
_SCENE_VERBS = (
    "speaks", "speak", "shows", "walks", "walk", "stands", "stand", "attends", "attend", "looks", "look",
    "holds", "hold", "sits", "sit", "reacts", "react", "takes", "take", "meets", "poses", "pose", "arrives",
    "carries", "carry", "rises", "lies", "appears", "signs", "waves", "wave", "uses", "waits", "wait",
    "talks", "gives", "passes", "pass", "leaves", "lifts", "smiles", "drives", "inspects", "inspect",
    "greets", "gestures", "hugs", "visits", "visit", "rides", "ride", "shakes", "burns", "flies", "fly",
    "welcomes", "addresses", "listens", "listen", "prays", "pray", "delivers", "throws", "casts", "testifies",
    "clears", "clear", "kneels", "cries", "watches", "watch", "wears", "sweeps", "points", "cleans", "clean",
    "wades", "wade", "surveys", "survey", "prepares", "receives", "embraces", "stares", "floats", "gather",
    "march", "protest", "shout", "push", "search", "hangs", "hang", "is seen", "are seen", "is pictured",
    "are pictured", "is shown", "are shown", "lifts off", "lift off",
)
# words a subject holds none of: verbs, pronouns, prepositions that open an adverbial, past forms ("released")
_NOT_SUBJECT = (r"(?i:will|would|is|are|was|were|has|have|had|which|who|that|to|can|could|may|might|should"
                r"|must|also|not|it|they|he|she|we|you|I|this|there|here|here's|officially|on|in|at|for|after"
                r"|before|during|by|from|with|as|if|when|\w+ed)")
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_MONTH = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
          r"|Jan\.|Feb\.|Aug\.|Sept?\.|Oct\.|Nov\.|Dec\.)")
# the subject (up to seven words, no verb among them), a scene verb, then in the same sentence, with no word
# of a plan or of a relative clause, a weekday and date ("Thursday, September 29"); no reported speech after
_SCENE = re.compile(
    r"^(?!" + _NOT_SUBJECT + r"\b)(?:[A-Z][\w'’.-]*|[Aa]n?|[Tt]he)"
    r"(?:\s+(?!" + _NOT_SUBJECT + r"\b)[\w'’.-]+){0,6}?"
    r"\s+(?:" + "|".join(v.replace(" ", r"\s+") for v in _SCENE_VERBS) + r")\b(?!\s+place\b)"
    r"(?:(?!\b(?:said|says|told|will|would|scheduled|set|expected|planned|which|who)\b)[^.;!?])*?"
    r"\b(?P<day>" + _WEEKDAY + r",?\s+" + _MONTH + r"\s+\d{1,2}(?:,\s+\d{4})?)"
    r"(?![^.;!?]*\b(?:said|says|told)\b)")


def is_caption(line: str, published: date | None = None) -> bool:
    """Whether one line of scraped text is a photo caption, a credit, a gallery or an embedded post;
    `published`, the article's publication date, lets a caption without a credit be recognised too."""
    line = line.strip()
    if not line:
        return False
    return bool(_CREDIT_END.search(line) or _GALLERY.search(line) or _POST.search(line)
                or _CREDIT_WORDS.search(line) or (len(line) <= 120 and _CREDIT_LINE.fullmatch(line))
                or (published is not None and _scene_on_or_before(line, published)))


def _scene_on_or_before(line: str, published: date) -> bool:
    """Whether the line describes a scene, in the present tense, on a day up to `published`."""
    scene = _SCENE.search(line)
    if scene is None:
        return False
    from index.dates import calendar_date, tag  # dates is large; only a scene line needs it

    day = next((calendar_date(t.value) for t in tag(line, published)
                if t.start <= scene.start("day") < t.end), None)
    return day is not None and day[1] == "day" and date.fromisoformat(day[0]) <= published
