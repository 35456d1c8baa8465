"""`./run sms-sim`: text the assistant from the command line, through the real webhook of a
running instance started with CHATBOT_SMS_SIMULATOR=1 (and no Twilio credentials). Requests are
signed like Twilio's, with the local test token in the data folder; the instance records its
replies instead of sending them, and this prints them with their cost in segments.

    ./run sms-sim                        # interactive; "/picture" sends an MMS
    ./run sms-sim hola "2" BAJA          # one message per argument
    ./run sms-sim --from +447700900123 HELP
"""
from __future__ import annotations

import argparse
import json
import secrets
import sys
import urllib.error
import urllib.parse
import urllib.request

from ..config import Config
from . import signature

PICTURE = "/picture"


class Simulator:
    def __init__(self, base_url: str, public_base_url: str, token: str, phone: str,
                 service_number: str = "+15005550006"):
        self.base_url = base_url.rstrip("/")
        self.public_base_url = (public_base_url or base_url).rstrip("/")
        self.token = token
        self.phone = phone
        self.service_number = service_number

    def _post(self, path: str, params: dict) -> tuple[int, bytes]:
        headers = {
            signature.HEADER: signature.sign(self.token, self.public_base_url + path, params),
            "Content-Type": "application/x-www-form-urlencoded",
        }
        request = urllib.request.Request(
            self.base_url + path, data=urllib.parse.urlencode(params).encode(), headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def text(self, body: str, picture: bool = False) -> dict:
        """Sends one message as Twilio would and returns what the assistant answered."""
        sid = ("MM" if picture else "SM") + secrets.token_hex(16)
        params = {
            "MessageSid": sid, "SmsSid": sid, "AccountSid": "AC" + "0" * 32,
            "From": self.phone, "To": self.service_number, "Body": body,
            "NumMedia": "1" if picture else "0",
        }
        if picture:
            params.update(
                MediaUrl0=f"https://api.twilio.com/2010-04-01/Accounts/AC{'0' * 32}/Messages/{sid}"
                          f"/Media/ME{secrets.token_hex(16)}",
                MediaContentType0="image/jpeg",
            )
        status, body_bytes = self._post("/webhooks/twilio/sms", params)
        if status != 200:
            raise SimulatorError(status, body_bytes.decode(errors="replace"))
        status, answer = self._post("/webhooks/twilio/simulator/replies", {"To": self.phone})
        if status != 200:
            raise SimulatorError(status, answer.decode(errors="replace"))
        return json.loads(answer)


class SimulatorError(Exception):
    def __init__(self, status: int, text: str):
        hint = {
            403: "the signature was refused: is the instance using the same data folder "
                 "(CHATBOT_DATA_DIR) and no Twilio credentials?",
            404: "the instance is not in simulator mode: start it with CHATBOT_SMS_SIMULATOR=1 "
                 "and no Twilio credentials",
        }.get(status, text.strip()[:200])
        super().__init__(f"HTTP {status}: {hint}")


def show(answer: dict, out=sys.stdout) -> None:
    for deleted in answer.get("deleted_at_twilio", []):
        sid = deleted.removesuffix(".json")
        what = "picture deleted at Twilio, unopened" if sid.startswith("ME") else "message deleted from Twilio's logs"
        print(f"  ({what}: {sid})", file=out)
    if not answer.get("replies"):
        print("  (no reply)", file=out)
    for reply in answer.get("replies", []):
        print(f"< [{reply['segments']} segment(s), {reply['encoding']}]", file=out)
        for line in reply["body"].splitlines() or [""]:
            print(f"  {line}", file=out)


def main(argv: list[str] | None = None, config: Config | None = None, out=sys.stdout) -> int:
    config = config or Config.from_env()
    parser = argparse.ArgumentParser(prog="./run sms-sim", description=__doc__.split("\n\n")[0])
    parser.add_argument("--from", dest="phone", default="+34600000001", help="the parent's number")
    parser.add_argument("--url", default=f"http://{config.host}:{config.port}",
                        help="where the instance listens (default: from the configuration)")
    parser.add_argument("messages", nargs="*", help=f"messages to send; {PICTURE} sends a picture")
    args = parser.parse_args(argv)
    simulator = Simulator(args.url, config.public_base_url, config.sms_test_token, args.phone)
    interactive = not args.messages
    if interactive:
        print(f"Texting {args.url} as {args.phone}. {PICTURE} sends a picture; Ctrl-D ends.", file=out)
    messages = args.messages or _lines()
    try:
        for message in messages:
            if not interactive:
                print(f"> {message}", file=out)
            picture = message.strip() == PICTURE
            show(simulator.text("" if picture else message, picture=picture), out)
    except SimulatorError as error:
        print(f"sms-sim: {error}", file=sys.stderr)
        return 1
    except urllib.error.URLError as error:
        print(f"sms-sim: cannot reach {args.url} ({error.reason}); is the assistant running?",
              file=sys.stderr)
        return 1
    return 0


def _lines():
    while True:
        try:
            line = input("> ")
        except EOFError:
            return
        if line.strip():
            yield line
