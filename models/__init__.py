"""The records of 关工台账 and their rules. Never imports Qt."""

APP_NAME = "关工台账"
APP_VERSION = "0.1.0"
