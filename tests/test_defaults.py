"""Search defaults are defined once, in the core's `SearchSettings`: the bot's config and the example
config file say the same."""

import tomllib

from bot.settings import SearchConfig
from index import SearchSettings
from tests.conftest import ROOT


def test_search_defaults_are_the_cores() -> None:
    core = SearchSettings()
    config = SearchConfig()
    assert config.to_settings() == core
    example = tomllib.loads((ROOT / "config.example.toml").read_text(encoding="utf-8"))["search"]
    assert example == {name: getattr(core, name) for name in example}
    assert set(example) == set(SearchConfig.model_fields)
