"""Before the window opens on Linux: are the system libraries Qt's X11 (xcb) platform needs
there? Without them Qt aborts with an English message ("xcb-cursor0 … is needed"); here the
clerk gets one Chinese sentence with the exact apt-get line instead. No Qt is imported."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

#: the libraries Qt 6's xcb platform plugin links that a desktop may lack -> Debian/Ubuntu package
XCB_LIBRARIES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-util.so.1": "libxcb-util1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libdbus-1.so.3": "libdbus-1-3",
}
#: what the README tells a Debian/Ubuntu desktop to install once
APT_LINE = ("sudo apt-get install -y libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 "
            "libxkbcommon-x11-0 libxcb-image0 libxcb-render-util0 libxcb-shape0 libxcb-randr0 "
            "libxcb-xkb1 libegl1")


def uses_xcb(environ: dict[str, str] | os._Environ[str] = os.environ) -> bool:
    """The window would open through X11 (xcb): Linux with a DISPLAY and no other platform
    chosen (a Wayland session with the wayland plugin does not need these libraries)."""
    if not sys.platform.startswith("linux"):
        return False
    chosen = environ.get("QT_QPA_PLATFORM", "")
    if chosen:
        return chosen.split(";")[0].split(":")[0] == "xcb"
    return bool(environ.get("DISPLAY")) and not environ.get("WAYLAND_DISPLAY")


def _loads(name: str) -> str | None:
    """None when ``name`` loads; else the missing library's file name from the loader."""
    import ctypes  # (only where the window opens through X11)

    try:
        ctypes.CDLL(name)
    except OSError as err:
        found = re.search(r"(lib[\w.+-]+\.so[\w.]*): cannot open", str(err))
        return found.group(1) if found else name
    return None


def _plugin() -> Path | None:
    try:
        import PySide6
    except ImportError:  # pragma: no cover - the program needs it anyway
        return None
    path = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    return path if path.exists() else None


def missing_libraries(deep: bool = False) -> list[str]:
    """The file names of the libraries the xcb plugin needs and cannot find (≈20 ms). With
    ``deep`` the plugin itself is loaded too (≈0.4 s: it brings Qt's own libraries), which
    names a library missing from the table."""
    missing = [name for name in XCB_LIBRARIES if _loads(name) is not None]
    if not missing and deep:
        plugin = _plugin()
        other = _loads(str(plugin)) if plugin is not None else None
        if other is not None and other != str(plugin):
            missing.append(other)
    return missing


def problem(environ: dict[str, str] | os._Environ[str] = os.environ) -> str:
    """The sentence to print when the window cannot open for want of system libraries, or ""."""
    if not uses_xcb(environ):
        return ""
    missing = missing_libraries()
    if not missing:
        return ""
    packages = [XCB_LIBRARIES.get(name, "") for name in missing]
    known = [p for p in packages if p]
    unknown = [name for name, p in zip(missing, packages) if not p]
    line = f"sudo apt-get install -y {' '.join(known)}" if known else APT_LINE
    also = f"（还缺少 {'、'.join(unknown)}，请安装提供它的软件包）" if unknown else ""
    return (f"窗口打不开：这台电脑缺少显示窗口所需的系统组件（{'、'.join(missing)}）。"
            f"请在终端运行下面这行命令安装，然后再启动关工台账{also}：\n{line}")
