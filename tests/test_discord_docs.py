"""docs/discord.md says what the bot does: its commands table is the synced command payload, its intents and
invitation are the bot's."""

from __future__ import annotations

import json
import re
from typing import Any

import discord
import pytest

from bot.client import intents
from tests.helpers import ROOT, run_cli

DISCORD_MD = (ROOT / "docs" / "discord.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    """The text of docs/discord.md's section `## <title>` (up to the next `## `)."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", DISCORD_MD, re.M | re.S)
    assert match, title
    return match[1]


def synced_commands(capsys: pytest.CaptureFixture) -> list[dict[str, Any]]:
    code, out, _ = run_cli(capsys, "commands", "--json")
    assert code == 0
    return json.loads(out)


def usage(command: dict[str, Any], path: str) -> list[str]:
    """`["/source add name [file] [url]", ...]`: the command (its subcommands by their path) with its options
    as the docs write them, a required one bare and an optional one in brackets."""
    options = command.get("options", [])
    subcommands = [o for o in options if o["type"] == discord.AppCommandOptionType.subcommand.value]
    if subcommands:
        return [line for sub in subcommands for line in usage(sub, f"{path} {sub['name']}")]
    return [" ".join([path, *(o["name"] if o.get("required") else f"[{o['name']}]" for o in options)])]


def test_the_commands_table_is_the_synced_payload(capsys: pytest.CaptureFixture) -> None:
    """Every command, subcommand and option, whether each option is required, and who may run it."""
    payload = synced_commands(capsys)
    synced: dict[str, str] = {}
    for command in payload:
        who = "moderators" if command.get("default_member_permissions") else "everyone"
        synced |= dict.fromkeys(usage(command, f"/{command['name']}"), who)

    documented = dict(re.findall(r"^\| `(/[^`]+)` \| (\w+) \|", section("Commands"), re.M))
    assert documented == synced
    assert len(synced) == 6

    # "hidden by default from members without **Manage Server**"
    hidden = {discord.Permissions(int(c["default_member_permissions"])) for c in payload
              if c.get("default_member_permissions")}
    assert "without **Manage Server**" in section("Commands")
    assert hidden == {discord.Permissions(manage_guild=True)}

    # "in direct messages only `/ask`, `/timeline` and `/sources` exist"
    in_dms = {f"/{c['name']}" for c in payload if c.get("dm_permission", True)}
    listed = re.search(r"in direct messages\s+only (.*?) exist", section("Troubleshooting"), re.S)
    assert listed and set(re.findall(r"`(/\w+)`", listed[1])) == in_dms == {"/ask", "/timeline", "/sources"}


def test_the_intents_and_the_invitation_are_the_bots() -> None:
    setup = section("1. Create the application and the bot")
    assert "enable **Message Content Intent**" in setup
    others = re.search(r"The other intents the bot uses are not privileged:(.*?)\.\n", setup, re.S)
    assert others
    documented = set(re.findall(r"\(`(\w+)`", others[1])) | {"message_content"}
    assert documented == {name for name, on in intents() if on}

    invite = section("2. Invite the bot")
    table = re.search(r"^\|---\|---\|\n((?:\|.*\n)+)", invite, re.M)
    assert table
    names = [name for cell in re.findall(r"^\| ([^|]+?) \|", table[1], re.M) for name in cell.split(", ")]
    attributes = {"View Channels": "view_channel"}  # the one whose attribute is not the name in snake case
    permissions = discord.Permissions(**{attributes.get(n, n.lower().replace(" ", "_")): True for n in names})
    assert len(names) == 8
    stated = int(re.search(r"the permissions integer \*\*(\d+)\*\*", invite)[1])
    assert stated == permissions.value
    assert f"permissions={stated}" in invite and "scope=bot+applications.commands" in invite
