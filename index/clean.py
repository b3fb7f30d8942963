"""Strip page furniture from scraped article text.

Scraped pages carry market tickers, "Advertisement" lines, promotions, photo captions and credits
(`index.captions`) and copyright notices. None of it may ever be quoted, so it is dropped here, before
passages are cut. The result is the document's *clean text*: paragraphs separated by one blank line.
Every quote the bot shows is a verbatim slice of that clean text, which is stored as it is returned here.
"""

from __future__ import annotations

import re
from datetime import date

from index.captions import is_caption

# A line matching any of these (whole line, case-insensitive) is page furniture.
_FURNITURE = [
    r"advertisement|advertising|sponsored(?: content)?|ad feedback",
    r"comments?(?: \(\d+\))?|share|share this(?: article| story)?|print|email",
    r"(?:image|photo|picture|video)s?(?: via| by| credit| courtesy)?[:\s].{0,80}",
    r"(?:©|\(c\)|copyright\b).*",
    r".*\ball rights reserved\.?",
    r".*\bdoes not provide investment advice\b.*",
    r"this (?:story|article|report|content) (?:was|is|has been|originally|first) .*",
    # notes about the page itself, and teasers linking to other pages ("Friday:South Carolina braces...")
    r"(?:editor'?s note:\s*)?this (?:page|post|story|article|report) (?:recaps|covers|summari[sz]es)\b.*",
    r"(?:for (?:our|the) latest (?:coverage|updates)|here(?: is|'s) the latest|find \w+['’]s coverage)\b.*",
    r"(?-i:[A-Z][\w'’ ]{0,30}:[A-Z“\"]).{0,200}",
    r"do you have questions about\b.*",
    r"trade confidently with\b.*",
    r"(?:sign up|subscribe|register)\b.{0,120}",
    # promotions of the outlet itself inside a line: "(You can get ... delivered to your inbox daily. Sign up
    # here.)", "Please support our journalism ... by subscribing today"
    r".{0,160}\b(?:sign up here|delivered to your inbox|support our journalism|subscribe (?:here|now|today)"
    r"|subscribing today)\b.{0,160}",
    r".{0,120}\b(?:visit|at|follow|see) the links? below\b.{0,40}",
    # credits and bylines: "Contributing: Jane Roe, USA TODAY; ...", "― Jane Roe, USA Today"
    r"(?:contributing|contributors?|additional reporting|reporting|written by|edited by)\s*:.{0,300}",
    r"(?:additional reporting|reporting|writing|editing) by"
    r"(?:[\s,;]+(?:and\s+)?(?-i:[A-Z][\w.'’-]*)){1,12}\.?",
    r"[―—–]\s*(?-i:(?:[A-Z][\w.'’-]*\s*){1,4},\s*(?:[A-Z][\w.'’-]*\s*){1,5})",
    r"(?:read|see|watch) (?:more|also|next)\b.{0,120}",
    r"click here\b.*|follow us\b.*|download (?:the|our) app\b.*",
    # newsletter notes ("A version of this story appeared in the October 14 edition of CNN's Royal News",
    # after an editor's note or a dateline) and a newsletter's section label ("Other news today: ...")
    r"(?:editor['’]?s note:\s*)*(?:[\w ,.]{0,40}\(cnn[\w ]*\)\s*)?a version of this (?:story|article) "
    r"(?:was |has been )?(?:first |originally |initially |previously |also )?"
    r"(?:appear(?:s|ed)|ran|published|posted|aired)\b.*",
    r"(?:this (?:story|article) |it )(?:also |first |originally )?appear(?:s|ed) in\b.{0,80}\bnewsletter\b.*",
    r"other news today\b.{0,300}",
    # the outlet's own newsletter promotions, alone or ending a byline: "Sign up for CNN's Wonder Theory
    # science newsletter. Explore the universe...", "What's everyone talking about? Sign up for our trending
    # newsletter...", "SPORTS NEWSLETTER: Sign up now...", "Get our On Politics newsletter". An imperative,
    # not a report: "signed up" stays, and a gerund only after "by"/"consider" ("...or subscribing to our
    # Emergency Updates newsletter" in a county's storm notice is news)
    r".{0,300}\b(?:sign up|subscribe|register|(?:by|consider) (?:signing up|subscribing))\b.{0,80}"
    r"\bnewsletters?\b.{0,300}",
    r".{0,300}\bnewsletters?\b.{0,120}\b(?:sign up|subscribe)\b.{0,300}",
    r".{0,200}\b(?:get|join|follow|try) our\b.{0,60}\bnewsletters?\b.{0,300}",
    # a sign-up box's lines ("Would you like to receive The WeekDay newsletter?", "The WeekDay newsletter
    # provides you with...", "We will use the details you have shared to manage your newsletter subscription")
    r"would you like to receive\b.{0,80}\bnewsletter\b.{0,20}|.{0,80}\bnewsletter provides you with\b.{0,200}"
    r"|.{0,200}\bmanage your newsletter subscription\b.{0,300}",
    # subscription appeals, alone or ending a byline: "Support local journalism. Subscribe to azcentral.com
    # today.", "Thank you for supporting our journalism. You can subscribe to our print edition...", "Join our
    # Watch Party! Sign up to receive ... right in your inbox"; a subscription word must follow "support ...
    # journalism" unless the line opens with it ("The grant will support local journalism" is news)
    r".{0,200}\bsupport(?:ing)? (?:local |our |quality |independent )?journalism\b.{0,200}\bsubscri.{0,300}",
    r"support local journalism\b.{0,80}",
    r".{0,200}\b(?:sign up|subscribe)\b.{0,120}\b(?:in|to|into) your (?:e-?mail )?inbox\b.{0,300}",
    # TV promotions, whole or split by the sentence splitter after "p.m.": "Watch 'X' on CNN at 9 p.m. ET
    # Tuesday." -> "Watch 'X' on CNN at 9 p.m." + "ET Tuesday." (a channel, not a weekday, follows "on")
    r"watch\b.{0,200}\bon (?!(?-i:[A-Z]\w*day)\b)(?-i:[A-Z]).{0,80}\bat \d{1,2}(?::\d\d)? [ap]\.m\."
    r"(?:\s*(?-i:[ECMP][SD]?T)\b.{0,40})?",
    r"watch\b.{0,200}\bat \d{1,2}(?::\d\d)? [ap]\.m\.\s*(?-i:[ECMP][SD]?T)\b.{0,40}",
    r"(?-i:[ECMP][SD]?T)(?:/(?-i:P[SD]?T))?(?:\s+(?:on\s+)?(?-i:[A-Z]\w*day))?\s*\.?",
    r".*\bmarkets? (?:open|close)s? in \d.*",
    # Ticker and table rows: no letters at all, only figures and signs.
    r"[^A-Za-z]*",
    # Short bullet items without a sentence ending: ticker names, menus.
    r"[•·▪‣◦*]\s*(?:\S+\s+){0,5}\S*[^.!?:\"”’)\s]",
]
_FURNITURE_RE = re.compile("|".join(f"(?:{p})" for p in _FURNITURE), re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?:;\"”’)\]]$")


def is_furniture(line: str, published: date | None = None) -> bool:
    """Whether one stripped line is page furniture rather than article prose (photo captions included;
    `published`, the article's publication date, for captions without a credit)."""
    return _FURNITURE_RE.fullmatch(line) is not None or is_caption(line, published)


def clean(raw: str, published: date | None = None) -> str:
    """Return the article text of a scraped page: furniture dropped, one paragraph per block; `published`
    is the page's publication date, when known.

    Lines of a block are joined back into one paragraph where the text was hard-wrapped mid-sentence
    (a line without a sentence ending followed by one starting in lower case).
    """
    paragraphs: list[str] = []
    for block in re.split(r"\n\s*\n", raw.replace("\r\n", "\n").replace("\r", "\n")):
        current: list[str] = []
        for line in block.split("\n"):
            line = " ".join(line.split())
            if not line or is_furniture(line, published):
                continue
            if current and not _SENTENCE_END.search(current[-1]) and line[0].islower():
                current[-1] = f"{current[-1]} {line}"
            else:
                current.append(line)
        paragraphs.extend(current)
    return "\n\n".join(paragraphs)
