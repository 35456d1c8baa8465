"""The Redactor: loads the lists once and finds personal data in a message."""
from __future__ import annotations

import logging
import re
from pathlib import Path

import yaml

from .. import wordlist
from . import patterns
from .names import NameFinder, NameLists, fold
from .patterns import MASK, Helplines, Masked, Span

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
NAMES_FILE = HERE / "names.yml"
ROOT = HERE.parent.parent
CONTENT_DIR = ROOT / "content"

# Emergency and helpline numbers that are public, whatever content/helplines says today
# (Spain, UK, US, EU): never personal data.
BUILTIN_HELPLINES = """112 091 092 062 061 016 017 024 080 085 088 010 012 060 900202010 600505152
    900116117 900018018 116111 116000 116123 116006 116117 999 101 111 105 08001111 08000560
    08088020 08457909090 911 988 741741 85258 18002738255 8002738255 18008435678 18004224453
    18006564673 18007997233 18003247233""".split()

# Home pages that are not personal data (platforms and services); our content's links are added.
PUBLIC_HOSTS = """instagram.com tiktok.com snapchat.com whatsapp.com web.whatsapp.com wa.me
    telegram.org t.me discord.com discord.gg facebook.com fb.com messenger.com twitter.com x.com
    threads.net youtube.com youtu.be twitch.tv reddit.com onlyfans.com tinder.com bere.al kik.com
    wattpad.com pinterest.com tumblr.com roblox.com fortnite.com epicgames.com minecraft.net
    store.steampowered.com steampowered.com steamcommunity.com xbox.com playstation.com
    google.com gmail.com drive.google.com play.google.com apple.com icloud.com amazon.com amazon.es
    amazon.co.uk paypal.com paypal.me bizum.es revolut.com cash.app venmo.com zelle.com outlook.com
    hotmail.com yahoo.com proton.me protonmail.com microsoft.com bit.ly""".split()


def load_lists(path: Path = NAMES_FILE) -> NameLists:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader) or {}
    given_raw = data.get("given_names") or {}
    given = {fold(w) for lang in given_raw.values() for w in (lang or [])}
    ordinary = {fold(w) for w in data.get("ordinary_word_names") or []}
    surnames = {fold(w) for w in data.get("surnames") or []}
    never_single, never_phrases = set(), []
    for entry in data.get("never_names") or []:
        words = tuple(fold(w) for w in str(entry).split())
        if len(words) == 1:
            never_single.add(words[0])
        elif words:
            never_phrases.append(words)
    return NameLists(
        given=frozenset(given - ordinary),
        ordinary=frozenset(ordinary),
        surnames=frozenset(surnames),
        never=frozenset(never_single),
        never_phrases=tuple(never_phrases),
    )


def content_helplines(content_dir: Path = CONTENT_DIR) -> tuple[set[str], set[str], set[str]]:
    """Numbers, hosts and URLs from content/helplines/*.yml and the links in content/."""
    numbers, hosts, urls = set(), set(), set()
    try:
        for path in sorted((content_dir / "helplines").glob("*.yml")):
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for line in data.get("lines") or []:
                number = str(line.get("number") or "")
                for run in re.findall(r"\d[\d\s\-.]*\d|\d", number):
                    numbers.add(re.sub(r"\D", "", run))
        for path in sorted(content_dir.rglob("*.yml")):
            for url in re.findall(r"https?://[^\s\"'<>)\]]+", path.read_text(encoding="utf-8")):
                u = re.sub(r"^https?://(?:www\d{0,3}\.)?", "", url.lower()).rstrip("/.,;")
                if "..." in u or not u:
                    continue
                urls.add(u)
                hosts.add(u.split("/")[0])
    except Exception as exc:  # noqa: BLE001 - the built-in lists still apply
        log.warning("redaction: could not read the helplines in content/ (%s)", exc)
    return numbers, hosts, urls


class Redactor:
    def __init__(self, names_file: Path = NAMES_FILE, content_dir: Path = CONTENT_DIR,
                 dictionary: bool = True):
        from spacy.lang.en.stop_words import STOP_WORDS as EN_STOP
        from spacy.lang.es.stop_words import STOP_WORDS as ES_STOP

        self.lists = load_lists(names_file)
        self._use_dictionary = dictionary
        self.stop_words = frozenset(fold(w) for w in EN_STOP | ES_STOP)
        numbers, hosts, urls = content_helplines(content_dir)
        self.helplines = Helplines(set(BUILTIN_HELPLINES) | numbers)
        self.allowed_hosts = frozenset(PUBLIC_HOSTS) | frozenset(hosts)
        self.allowed_urls = frozenset(urls)
        self.names = NameFinder(self.lists, self.is_word, self.stop_words)

    def is_word(self, word: str) -> bool:
        """An ordinary Spanish or English word (or a function word)."""
        w = fold(word)
        if w in self.stop_words:
            return True
        return self._use_dictionary and wordlist.is_known(w)

    def find(self, text: str) -> list[Span]:
        masked = Masked(text)
        context = dict(
            helplines=self.helplines,
            allowed_hosts=self.allowed_hosts,
            allowed_urls=self.allowed_urls,
            is_word=self.is_word,
            stop_words=self.stop_words,
            never_names=self.lists.never,
        )
        for detector in patterns.STRUCTURED:
            detector(masked, **context)
        for start, end in self.names.find(masked.current, MASK):
            masked.add(start, end, "NAME")
        return sorted(masked.spans)
