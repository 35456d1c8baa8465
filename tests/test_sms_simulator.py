"""`./run sms-sim` against a running instance in simulator mode: signed requests into the real
webhook, replies recorded instead of sent."""
import asyncio
import io
import logging

from aiohttp.test_utils import TestServer

from chatbot.app import create_app
from chatbot.sms import SMS
from chatbot.sms.simulator import main as simulate
from sms_support import sms_config


def simulator_config(rasa_config, tmp_path):
    return sms_config(rasa_config, tmp_path, twilio_account_sid="", twilio_auth_token="",
                      twilio_from_number="", public_base_url="", sms_simulator=True,
                      sms_test_token="local-test-token")


async def test_the_simulator_texts_the_real_webhook_and_prints_the_replies(rasa_config, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    config = simulator_config(rasa_config, tmp_path)
    app = create_app(config)
    async with TestServer(app) as server:
        out = io.StringIO()
        url = str(server.make_url("")).rstrip("/")
        code = await asyncio.to_thread(
            simulate, ["--url", url, "hola", "2", "/picture", "BAJA", "hola"], config, out
        )
        assert code == 0, out.getvalue()
        assert app[SMS].recorder.requests == []  # everything was handed to the simulator
    printed = out.getvalue()
    assert "> hola" in printed and "Responde 1, 2 o 3" in printed
    assert "segment(s), GSM-7]" in printed
    assert "picture deleted at Twilio, unopened: ME" in printed
    assert "escribe ALTA" in printed
    assert printed.rstrip().endswith("(no reply)")  # opted out
    assert any("SMS: simulator" in r.getMessage() for r in caplog.records)


async def test_the_simulator_is_refused_by_an_instance_with_real_twilio(rasa_config, tmp_path, capsys):
    live = sms_config(rasa_config, tmp_path, public_base_url="")
    async with TestServer(create_app(live)) as server:
        config = simulator_config(rasa_config, tmp_path)
        code = await asyncio.to_thread(simulate, ["--url", str(server.make_url("")), "hola"], config, io.StringIO())
    assert code == 1
    assert "signature was refused" in capsys.readouterr().err
