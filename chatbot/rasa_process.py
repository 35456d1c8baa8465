"""Training and starting the Rasa server as a child process, configured from our Config."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from .config import ROOT, Config

# What the model is trained from; content/ is not in it, so editing texts never retrains.
TRAINING_INPUTS = ("config.yml", "domain.yml", "data", "chatbot/rasa_plugins.py", "chatbot/language.py")


def training_fingerprint() -> str:
    digest = hashlib.sha256()
    for name in TRAINING_INPUTS:
        path = ROOT / name
        for file in sorted(path.rglob("*")) if path.is_dir() else [path]:
            if file.is_file():
                digest.update(str(file.relative_to(ROOT)).encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def rasa_env(config: Config) -> dict[str, str]:
    redis = urlsplit(config.redis_url) if config.redis_url else None
    env = dict(os.environ)
    env.update(
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        RASA_TELEMETRY_ENABLED="false",  # no third-party requests, ever
        TF_CPP_MIN_LOG_LEVEL="2",
        CHATBOT_DATA_DIR=str(config.data_dir),
        CHATBOT_RASA_TOKEN=config.rasa_token,
        CHATBOT_TRACKER_DIALECT=urlsplit(config.tracker_database_url).scheme.split("+")[0],
        CHATBOT_TRACKER_DATABASE_URL=config.tracker_database_url,
        CHATBOT_LOCK_STORE="redis" if redis else "in_memory",
        CHATBOT_REDIS_HOST=(redis.hostname if redis else "") or "",
        CHATBOT_REDIS_PORT=str((redis.port if redis else None) or 6379),
        CHATBOT_REDIS_DB=((redis.path.strip("/") if redis else "") or "0"),
    )
    return env


def model_path(config: Config) -> Path:
    return config.models_dir / f"assistant-{training_fingerprint()}.tar.gz"


def train(config: Config) -> Path:
    """Trains only when no model matches the current training data."""
    path = model_path(config)
    if path.exists():
        return path
    config.models_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "rasa", "train", "--config", "config.yml", "--domain", "domain.yml",
         "--data", "data", "--out", str(config.models_dir), "--fixed-model-name", path.name[: -len(".tar.gz")]],
        cwd=ROOT, env=rasa_env(config), check=True,
    )
    return path


def start(config: Config, model: Path, extra_args: list[str] | None = None) -> subprocess.Popen:
    """Rasa's HTTP server on loopback only, its API behind a token."""
    return subprocess.Popen(
        [sys.executable, "-m", "rasa", "run", "--model", str(model), "--enable-api",
         "--auth-token", config.rasa_token, "--interface", "127.0.0.1", "--port", str(config.rasa_port),
         "--endpoints", "endpoints.yml", "--credentials", "credentials.yml", *(extra_args or [])],
        cwd=ROOT, env=rasa_env(config), start_new_session=True,
    )
