"""A bot process for the tests of several processes: the real `briefbot` CLI, its Discord at a fake's URLs.

    python -m tests.bot.shard_child REST_BASE GATEWAY_URL CLI_ARG...

e.g. `... run --config FILE` with `DISCORD_TOKEN` set: what an operator runs, but discord.py's REST base
and default gateway point at the test's fake Discord (`tests/fake_discord.py`), as `FakeDiscord.patch`
points them in the test's own process.
"""

from __future__ import annotations

import sys

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.cli import main

if __name__ == "__main__":
    Route.BASE = sys.argv[1]
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(sys.argv[2])
    sys.exit(main(sys.argv[3:]))
