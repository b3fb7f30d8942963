"""A headless-Chromium mock of Discord's dark theme: embed dicts in, screenshots and heights out.

Discord is unreachable here, so what users see is checked on an approximation of its layout: the message
column (avatar gutter, bot name), embeds (colour bar, author, title, description, fields, footer) and
button rows, with the CSS sizes of Discord's desktop client (dark theme, 2024) and the subset of markdown
that embeds render (escapes, bold, italic, underline, strike, spoilers, code, masked links, bare URLs,
block quotes, headers, subtext, lists, mention pills, timestamps). Fonts: Noto Sans (Discord's own gg
sans is not installed; Noto Sans is in its fallback list and a little wider, so heights err on the tall
side).

A phone is 400 CSS px wide; the same layout is used (a 72 px avatar gutter, as on mobile).

Input is a JSON list of messages: {"content": str?, "embeds": [embed dict, ...], "buttons": [[label, ...]]}
(an embed dict is `discord.Embed.to_dict()`).

    python bench/discord_mock.py messages.json --out /tmp/shots [--widths 800 400]

writes `<n>-<width>.png` per message and width and prints each message's measured height as JSON.
From Python: `page_html(messages, width)`, `measure(messages, width)`, `screenshot(messages, path, width)`.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--force-device-scale-factor=1"]
PHONE_WIDTH = 400
# A 400 x 860 CSS-px phone (between an iPhone 15's 393 x 852 and a Pixel 7's 412 x 915) shows about 720 px
# of messages between Discord's status bar, channel header and message box.
PHONE_MESSAGE_HEIGHT = 720

CSS = """
* { box-sizing: border-box; }
body { margin: 0; padding: 1px 0 16px; background: #313338; color: #dbdee1; font-size: 16px;
       font-family: "gg sans", "Noto Sans", sans-serif; -webkit-font-smoothing: antialiased; }
.message { position: relative; padding: 2px 16px 8px 72px; margin-top: 17px; min-height: 44px; }
.avatar { position: absolute; left: 16px; top: 4px; width: 40px; height: 40px; border-radius: 50%;
          background: #5865f2; color: #fff; font-weight: 600; text-align: center; line-height: 40px; }
.header { line-height: 22px; }
.name { color: #f2f3f5; font-weight: 500; font-size: 16px; }
.tag { background: #5865f2; color: #fff; font-size: 10px; font-weight: 600; border-radius: 3px;
       padding: 0 4px; margin-left: 4px; vertical-align: 2px; line-height: 15px; }
.time { color: #949ba4; font-size: 12px; margin-left: 6px; }
.content { line-height: 22px; white-space: pre-wrap; overflow-wrap: anywhere; }
.embed { display: grid; max-width: 520px; margin-top: 2px; background: #2b2d31; border-radius: 4px;
         border-left: 4px solid #1e1f22; }
.grid { padding: 8px 16px 16px 12px; display: grid; grid-template-columns: 1fr; min-width: 0; }
.author { margin-top: 8px; font-size: 14px; font-weight: 600; color: #f2f3f5; line-height: 18px; }
.title { margin-top: 8px; font-size: 16px; font-weight: 600; color: #f2f3f5; line-height: 22px;
         overflow-wrap: anywhere; }
.title a { color: #00a8fc; }
.description { margin-top: 8px; font-size: 14px; line-height: 18px; white-space: pre-line;
               overflow-wrap: anywhere; }
.fields { display: grid; grid-template-columns: repeat(12, 1fr); gap: 8px; margin-top: 8px; }
.field { font-size: 14px; line-height: 18px; min-width: 0; grid-column: 1 / 13; }
.field.inline { grid-column: span 4; }
.field-name { font-weight: 600; color: #f2f3f5; margin-bottom: 2px; overflow-wrap: anywhere; }
.field-value { white-space: pre-line; overflow-wrap: anywhere; }
.footer { margin-top: 8px; font-size: 12px; line-height: 16px; font-weight: 500; color: #b5bac1; }
.image img { max-width: 100%; margin-top: 16px; border-radius: 4px; }
a { color: #00a8fc; text-decoration: none; }
strong { font-weight: 700; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 85%; background: #1e1f22; padding: 0 2px;
       border-radius: 3px; }
.spoiler { background: #1e1f22; color: transparent; border-radius: 3px; }
.mention { background: rgba(88,101,242,.3); color: #c9cdfb; border-radius: 3px; padding: 0 2px;
           font-weight: 500; }
.timestamp { background: rgba(78,80,88,.48); border-radius: 3px; padding: 0 2px; }
.quote { display: flex; }
.quote-bar { width: 4px; border-radius: 4px; background: #4e5058; flex: none; }
blockquote { margin: 0; padding: 0 8px 0 12px; min-width: 0; white-space: pre-line; }
h1, h2, h3 { margin: 8px 0 4px; color: #f2f3f5; line-height: 1.375em; }
h1 { font-size: 24px; } h2 { font-size: 20px; } h3 { font-size: 16px; }
.subtext { font-size: 12px; line-height: 16px; color: #949ba4; }
ul { margin: 4px 0 0 0; padding-left: 16px; }
.buttons { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 8px; }
.button { height: 32px; min-width: 60px; padding: 2px 16px; border-radius: 8px; background: #4e5058;
          color: #fff; font-size: 14px; font-weight: 500; display: flex; align-items: center;
          justify-content: center; }
.button.disabled { opacity: .5; }
"""

# Discord's inline rules, tried in this order at each position (simple-markdown's, simplified).
_INLINE = [
    ("escape", re.compile(r"\\([^0-9A-Za-z\s])")),
    ("autolink", re.compile(r"<(https?://[^\s>]+)>")),
    ("url", re.compile(r"(https?://[^\s<]+[^<.,:;\"')\]\s])")),
    ("link", re.compile(r"\[((?:\\.|[^\[\]\\])*)\]\(\s*<?(https?://(?:\\.|[^\s\\)])+?)>?\s*\)")),
    ("mention", re.compile(r"<(@!?|@&|#)(\d+)>|@(everyone|here)\b")),
    ("timestamp", re.compile(r"<t:(-?\d+)(?::([tTdDfFR]))?>")),
    ("code", re.compile(r"(`+)([\s\S]*?[^`])\1(?!`)")),
    ("strong", re.compile(r"\*\*((?:\\[\s\S]|[^\\])+?)\*\*(?!\*)")),
    ("underline", re.compile(r"__((?:\\[\s\S]|[^\\])+?)__(?!_)")),
    ("em", re.compile(r"\*(?=\S)((?:\*\*|\\[\s\S]|\s+(?:\\[\s\S]|[^\s*\\]|\*\*)|[^\s*\\])+?)\*(?!\*)"
                      r"|\b_((?:__|\\[\s\S]|[^\\_])+?)_\b")),
    ("strike", re.compile(r"~~([\s\S]+?)~~")),
    ("spoiler", re.compile(r"\|\|([\s\S]+?)\|\|")),
]
_TEXT_RUN = re.compile(r"[0-9A-Za-z\s\u00c0-\uffff]+?(?=[^0-9A-Za-z\s\u00c0-\uffff]|\w+:\S|$)|[\s\S]")
_MENTION_NAMES = {"@": "@user", "@!": "@user", "@&": "@role", "#": "#channel"}


def inline(text: str) -> str:
    """HTML of one run of Discord inline markdown."""
    out: list[str] = []
    i = 0
    while i < len(text):
        for name, rule in _INLINE:
            m = rule.match(text, i)
            if m is None or (name == "url" and i > 0 and text[i - 1].isalnum()):
                continue
            out.append(_rule_html(name, m))
            i = m.end()
            break
        else:
            m = _TEXT_RUN.match(text, i)
            out.append(html.escape(m.group()))
            i = m.end()
    return "".join(out)


def _rule_html(name: str, m: re.Match[str]) -> str:
    if name == "escape":
        return html.escape(m.group(1))
    if name in ("autolink", "url"):
        return f'<a href="{html.escape(m.group(1))}">{html.escape(m.group(1))}</a>'
    if name == "link":
        return f'<a href="{html.escape(m.group(2))}">{inline(m.group(1))}</a>'
    if name == "mention":
        label = f"@{m.group(3)}" if m.group(3) else _MENTION_NAMES[m.group(1)]
        return f'<span class="mention">{label}</span>'
    if name == "timestamp":
        return f'<span class="timestamp">{html.escape(_timestamp(int(m.group(1)), m.group(2) or "f"))}</span>'
    if name == "code":
        return f"<code>{html.escape(m.group(2).strip())}</code>"
    tags = {"strong": ("<strong>", "</strong>"), "underline": ("<u>", "</u>"), "em": ("<em>", "</em>"),
            "strike": ("<s>", "</s>"), "spoiler": ('<span class="spoiler">', "</span>")}
    body = next(g for g in m.groups() if g is not None)
    return tags[name][0] + inline(body) + tags[name][1]


def _timestamp(stamp: int, style: str) -> str:
    """A Discord timestamp as a reader sees it (here in UTC): 'R' relative to now, else a date."""
    when = datetime.fromtimestamp(stamp, UTC)
    if style != "R":
        return when.strftime({"t": "%H:%M", "T": "%H:%M:%S", "d": "%d/%m/%Y", "D": "%d %B %Y"}.get(
            style, "%d %B %Y %H:%M"))
    seconds = (when - datetime.now(UTC)).total_seconds()
    units = (("year", 31_536_000), ("month", 2_592_000), ("day", 86_400), ("hour", 3_600), ("minute", 60))
    unit, size = next(((u, n) for u, n in units if abs(seconds) >= n), ("", 0))
    if not size:
        return "a few seconds ago" if seconds <= 0 else "in a few seconds"
    count = round(abs(seconds) / size)
    text = f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{text} ago" if seconds < 0 else f"in {text}"


def markdown(text: str) -> str:
    """HTML of a description or field value: block quotes, headers, subtext and lists, then inline.

    As in Discord, a block quote takes the line break that ends it, so "> a\n\n> b" shows one empty line
    between the quotes, like "a\n\nb" between paragraphs.
    """
    lines = text.split("\n")
    blocks: list[str] = []
    plain: list[str] = []

    def flush() -> None:
        empty = 0
        while plain and plain[-1] == "":
            plain.pop()
            empty += 1
        if plain:
            blocks.append(f"<div>{inline(chr(10).join(plain))}</div>")
            plain.clear()
        blocks.extend(["<div><br></div>"] * empty)

    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith(">>> "):
            flush()
            rest = "\n".join([line[4:], *lines[i + 1:]])
            blocks.append(f'<div class="quote"><div class="quote-bar"></div><blockquote>{inline(rest)}'
                          "</blockquote></div>")
            break
        if line.startswith("> ") or line == ">":
            flush()
            quoted = []
            while i < len(lines) and (lines[i].startswith("> ") or lines[i] == ">"):
                quoted.append(lines[i][2:])
                i += 1
            blocks.append(f'<div class="quote"><div class="quote-bar"></div><blockquote>'
                          f"{inline(chr(10).join(quoted))}</blockquote></div>")
            continue
        header = re.match(r"(#{1,3}) (.+)", line)
        if header:
            flush()
            level = len(header.group(1))
            blocks.append(f"<h{level}>{inline(header.group(2))}</h{level}>")
        elif line.startswith("-# "):
            flush()
            blocks.append(f'<div class="subtext">{inline(line[3:])}</div>')
        elif re.match(r"[-*] ", line):
            flush()
            items = []
            while i < len(lines) and re.match(r"[-*] ", lines[i]):
                items.append(f"<li>{inline(lines[i][2:])}</li>")
                i += 1
            blocks.append(f"<ul>{''.join(items)}</ul>")
            continue
        elif line == "" and (not plain or plain[-1] == ""):
            flush()  # an empty line after a block, or a second one: one empty line of its own
            blocks.append("<div><br></div>")
        else:
            plain.append(line)
        i += 1
    flush()
    return "".join(blocks)


def embed_html(embed: dict[str, Any]) -> str:
    parts: list[str] = []
    if embed.get("author", {}).get("name"):
        parts.append(f'<div class="author">{html.escape(embed["author"]["name"])}</div>')
    if embed.get("title"):
        title = inline(embed["title"])
        if embed.get("url"):
            title = f'<a href="{html.escape(embed["url"])}">{title}</a>'
        parts.append(f'<div class="title">{title}</div>')
    if embed.get("description"):
        parts.append(f'<div class="description">{markdown(embed["description"])}</div>')
    if embed.get("fields"):
        fields = "".join(
            f'<div class="field{" inline" if f.get("inline") else ""}">'
            f'<div class="field-name">{inline(f["name"])}</div>'
            f'<div class="field-value">{markdown(f["value"])}</div></div>'
            for f in embed["fields"])
        parts.append(f'<div class="fields">{fields}</div>')
    if embed.get("image", {}).get("url"):
        parts.append(f'<div class="image"><img src="{html.escape(embed["image"]["url"])}"></div>')
    if embed.get("footer", {}).get("text"):
        parts.append(f'<div class="footer">{html.escape(embed["footer"]["text"])}</div>')
    color = f"#{embed['color']:06x}" if isinstance(embed.get("color"), int) else "#1e1f22"
    return f'<article class="embed" style="border-left-color:{color}"><div class="grid">{"".join(parts)}' \
           "</div></article>"


def message_html(message: dict[str, Any], number: int) -> str:
    content = f'<div class="content">{markdown(message["content"])}</div>' if message.get("content") else ""
    embeds = "".join(embed_html(e) for e in message.get("embeds", []))
    rows = "".join(
        '<div class="buttons">' + "".join(
            f'<div class="button{" disabled" if label.startswith("~") else ""}">'
            f"{html.escape(label.lstrip('~'))}</div>" for label in row) + "</div>"
        for row in message.get("buttons", []))
    return (f'<div class="message" id="m{number}"><div class="avatar">B</div><div class="header">'
            f'<span class="name">Briefbot</span><span class="tag">APP</span><span class="time">Today at 9:41'
            f"</span></div>{content}{embeds}{rows}</div>")


_MEASURE = """<script>
window.addEventListener('load', () => document.fonts.ready.then(() => {
const heights = [...document.querySelectorAll('.message')].map(m => {
  const box = m.getBoundingClientRect();
  const embed = m.querySelector('.embed');
  return {message: Math.ceil(box.height), embed: embed ? Math.ceil(embed.getBoundingClientRect().height) : 0};
});
const page = Math.ceil(document.body.getBoundingClientRect().height);
document.body.setAttribute('data-measure', JSON.stringify({page, heights}));
}));
</script>"""


def page_html(messages: list[dict[str, Any]], width: int) -> str:
    body = "".join(message_html(m, n) for n, m in enumerate(messages))
    return (f'<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width={width}">'
            f"<style>{CSS}</style></head><body style='width:{width}px'>{body}{_MEASURE}</body></html>")


def available() -> bool:
    """Whether a Chromium to render with is installed."""
    return Path(CHROMIUM).exists()


def _chromium(html_text: str, width: int, height: int, *extra: str) -> str:
    with tempfile.TemporaryDirectory(prefix="discord-mock-") as tmp:
        page = Path(tmp) / "page.html"
        page.write_text(html_text, encoding="utf-8")
        run = subprocess.run(
            [CHROMIUM, *FLAGS, f"--user-data-dir={tmp}/profile", f"--window-size={width},{height}", *extra,
             page.as_uri()],
            capture_output=True, text=True, timeout=120, check=False)
        if run.returncode != 0:
            raise RuntimeError(f"chromium failed ({run.returncode}): {run.stderr.strip()[-500:]}")
        return run.stdout


def measure(messages: list[dict[str, Any]], width: int) -> dict[str, Any]:
    """Heights in CSS px at `width`: the page, and each message (and its first embed) as laid out."""
    dom = _chromium(page_html(messages, width), width, 2000, "--virtual-time-budget=5000", "--dump-dom")
    found = re.search(r'data-measure="([^"]*)"', dom)
    if found is None:
        raise RuntimeError("the page did not report its layout")
    return json.loads(html.unescape(found.group(1)))


def screenshot(messages: list[dict[str, Any]], path: Path, width: int) -> dict[str, Any]:
    """A PNG of the messages at `width` CSS px, as tall as the page; returns `measure`'s heights."""
    layout = measure(messages, width)
    path.parent.mkdir(parents=True, exist_ok=True)
    _chromium(page_html(messages, width), width, layout["page"], f"--screenshot={path.resolve()}")
    return layout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("messages", type=Path, help="JSON list of messages (see above)")
    parser.add_argument("--out", type=Path, required=True, help="folder for the PNGs")
    parser.add_argument("--widths", type=int, nargs="+", default=[800, PHONE_WIDTH])
    args = parser.parse_args()
    if not available():
        sys.exit(f"chromium not found at {CHROMIUM}")
    messages = json.loads(args.messages.read_text(encoding="utf-8"))
    report = []
    for number, message in enumerate(messages):
        for width in args.widths:
            layout = screenshot([message], args.out / f"{number}-{width}.png", width)
            report.append({"message": number, "width": width, **layout["heights"][0],
                           "png": str(args.out / f"{number}-{width}.png")})
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
