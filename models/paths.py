"""Where the data lives: the per-user data folder unless the user chose another."""

from __future__ import annotations

import json
import os
from pathlib import Path

from platformdirs import user_config_dir, user_data_dir

APP_DIR_NAME = "GuanGongTaiZhang"
DB_FILE_NAME = "关工台账.sqlite"


def config_file() -> Path:
    base = os.environ.get("GGTZ_CONFIG_DIR") or user_config_dir(APP_DIR_NAME, appauthor=False)
    return Path(base) / "config.json"


def read_config() -> dict:
    try:
        return json.loads(config_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_config(values: dict) -> None:
    """Save the per-user program configuration (atomically)."""
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(values, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def data_dir() -> Path:
    """The data folder: chosen in 设置, or the per-user data folder."""
    chosen = read_config().get("data_dir")
    if chosen:
        return Path(chosen)
    base = os.environ.get("GGTZ_DATA_DIR") or user_data_dir(APP_DIR_NAME, appauthor=False)
    return Path(base)


def default_db_path() -> Path:
    return data_dir() / DB_FILE_NAME


def photo_dir(db_path: Path) -> Path:
    """Activity photos live beside the database in ``photos/``."""
    return Path(db_path).parent / "photos"
