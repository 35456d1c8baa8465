"""The phone number: parsed once, never stored or logged in clear.

- lookup key: HMAC-SHA256 of the E.164 number with a server secret (a plain hash of a phone
  number is reversible by trying every number; an HMAC is not without the secret);
- the number itself: Fernet-encrypted (AES-128-CBC + HMAC, from `cryptography`), kept only while
  the conversation may need to text back, cleared on opt-out, erasure and after a quiet period;
- the counsellor console shows it masked (`mask`).
"""
from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

import phonenumbers
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

# Where a number's country suggests Spanish first (the reader can still write English).
SPANISH_SPEAKING = set(
    "ES MX AR CO CL PE VE EC GT CU BO DO HN PY SV NI CR PA UY PR GQ".split()
)


@dataclass(frozen=True)
class Phone:
    e164: str
    country: str | None  # ISO 3166 code from the number, None when it has none (e.g. +800)
    national: str  # the national significant number, for redaction

    @property
    def lang(self) -> str:
        return "es" if self.country in SPANISH_SPEAKING else "en"


def parse(raw: str | None) -> Phone | None:
    if not raw:
        return None
    try:
        number = phonenumbers.parse(raw.strip(), None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    # The number's own region when it is valid, else the main region of its country code (+44
    # -> GB, +1 -> US), so an unallocated or fictional number still gets that country's lines.
    region = phonenumbers.region_code_for_number(number) or phonenumbers.region_code_for_country_code(
        number.country_code
    )
    return Phone(
        e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        country=region if region and region.isalpha() and len(region) == 2 else None,
        national=str(phonenumbers.national_significant_number(number)),
    )


class PhoneVault:
    """Keys: the HMAC secret, and one Fernet key or several separated by commas (the first
    encrypts; the others still decrypt, for rotation)."""

    def __init__(self, hmac_key: str, encryption_keys: str):
        if not hmac_key:
            raise ValueError("the phone HMAC key is empty")
        self._hmac_key = hmac_key.encode()
        try:
            self._fernet = MultiFernet([Fernet(k.strip()) for k in encryption_keys.split(",") if k.strip()])
        except (ValueError, TypeError) as error:
            raise ValueError(
                "CHATBOT_PHONE_ENCRYPTION_KEY must be Fernet keys (32 url-safe base64 bytes), "
                "comma-separated"
            ) from error

    def key(self, phone: Phone) -> str:
        return hmac.new(self._hmac_key, phone.e164.encode(), hashlib.sha256).hexdigest()

    def seal(self, phone: Phone) -> str:
        return self._fernet.encrypt(phone.e164.encode()).decode()

    def open(self, sealed: str) -> str | None:
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            return None


def mask(e164: str) -> str:
    """'+34 ••• ••• •78': the country code and the last two digits, enough to tell two parents
    apart on a screen, not enough to call them."""
    try:
        number = phonenumbers.parse(e164, None)
        prefix = f"+{number.country_code}"
        digits = str(phonenumbers.national_significant_number(number))
    except phonenumbers.NumberParseException:
        prefix, digits = "", re.sub(r"\D", "", e164)
    hidden = "•" * max(len(digits) - 2, 0) + digits[-2:]
    groups = [hidden[max(i - 3, 0):i] for i in range(len(hidden), 0, -3)][::-1]
    return " ".join(filter(None, [prefix, *groups]))


def redact(text: str, phone: Phone) -> str:
    """The sender's own number, written in a message in any usual way, becomes '[…]': a parent
    who types their number to be called back should not put it in our database in clear."""
    digits = phone.national
    if len(digits) < 6:
        return text
    separators = r"[\s.\-()]{0,2}"
    country = re.escape(phone.e164[: len(phone.e164) - len(digits)].lstrip("+"))
    pattern = rf"(?:(?:\+|00){separators}{country}{separators})?" + separators.join(map(re.escape, digits))
    return re.sub(rf"(?<!\d){pattern}(?!\d)", "[…]", text)
