"""Rasa's own checks on the project, and the boundary around the Rasa server."""
import json
import subprocess
import sys
import urllib.error
import urllib.request

from chatbot import rasa_process
from chatbot.config import ROOT


def _rasa(config, *args, timeout=900):
    return subprocess.run(
        [sys.executable, "-m", "rasa", *args], cwd=ROOT, env=rasa_process.rasa_env(config),
        capture_output=True, text=True, timeout=timeout,
    )


def test_training_data_validates_cleanly(rasa_config):
    result = _rasa(rasa_config, "data", "validate", "--fail-on-warnings")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_main_conversation_stories_pass(rasa_config, tmp_path):
    model = rasa_process.train(rasa_config)
    result = _rasa(rasa_config, "test", "core", "--stories", "tests/stories", "--model", str(model),
                   "--out", str(tmp_path), "--endpoints", "endpoints.yml")
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((tmp_path / "story_report.json").read_text())
    failed = (tmp_path / "failed_test_stories.yml").read_text()
    assert report["conversation_accuracy"]["accuracy"] == 1.0, failed


def test_private_channel_refuses_callers_without_the_token(rasa_config):
    request = urllib.request.Request(
        f"{rasa_config.rasa_url}/webhooks/private/webhook",
        data=json.dumps({"sender": "x", "message": "hola"}).encode(),
        headers={"Content-Type": "application/json", "Authorization": "Bearer wrong"},
    )
    try:
        urllib.request.urlopen(request, timeout=5)
        raise AssertionError("the channel answered without the token")
    except urllib.error.HTTPError as error:
        assert error.code == 401


def test_rasa_http_api_needs_the_token(rasa_config):
    try:
        urllib.request.urlopen(f"{rasa_config.rasa_url}/conversations/x/tracker", timeout=5)
        raise AssertionError("the tracker was readable without the token")
    except urllib.error.HTTPError as error:
        assert error.code == 401


def test_rasa_listens_on_loopback_only(rasa_config):
    """Read the kernel's table of listening sockets for Rasa's port."""
    port = f"{rasa_config.rasa_port:04X}"
    listening = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in open(table).read().splitlines()[1:]:
            local, state = row.split()[1], row.split()[3]
            if state == "0A" and local.endswith(f":{port}"):  # 0A = LISTEN
                listening.append(local.split(":")[0])
    assert listening, "Rasa is not listening"
    assert set(listening) == {"0100007F"}, listening  # 127.0.0.1 only
