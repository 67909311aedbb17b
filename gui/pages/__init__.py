"""The window's pages, one module per subject:

========================  =====================================================
``dashboard``             首页 (Dashboard)
``groups``                关工组织 (GroupsPage, WuhaoDialog)
``volunteers``            五老队伍 (VolunteersPage)
``students``              帮扶对象 (StudentsPage)
``pairings``              结对帮扶 (PairingsPage)
``activities``            活动台账 (ActivitiesPage)
``donations``             捐资助学 (DonationsPage)
``honors``                表彰慰问 (HonorsPage with HonorsList and CaresList)
``venues``                关工阵地 (VenuesPage)
``reports``               报表中心 (ReportsPage)
``rollup``                汇总 (RollupPage: the townships' packages, one level up)
``data``                  数据管理 (DataPage)
``settings``              设置 (SettingsPage)
``common``                little helpers the list pages share
========================  =====================================================

Every page class is importable from here (``from gui.pages import VolunteersPage``); a page's
module is imported only when the class is first asked for, so start-up stays fast. The list
queries live in ``models.lists``; the dialogs in ``gui.dialogs``."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

#: page class -> the module of gui.pages that holds it
HOMES = {
    "Dashboard": "dashboard",
    "GroupsPage": "groups", "WuhaoDialog": "groups",
    "VolunteersPage": "volunteers",
    "StudentsPage": "students",
    "PairingsPage": "pairings",
    "ActivitiesPage": "activities",
    "DonationsPage": "donations",
    "HonorsPage": "honors", "HonorsList": "honors", "CaresList": "honors",
    "VenuesPage": "venues",
    "ReportsPage": "reports",
    "RollupPage": "rollup",
    "DataPage": "data",
    "SettingsPage": "settings",
}
#: subject key (models.subjects) -> the page class listing it, in the navigation's order; the
#: entry's text is the descriptor's ``nav``
SUBJECT_PAGES = {
    "groups": "GroupsPage", "volunteers": "VolunteersPage", "students": "StudentsPage",
    "pairings": "PairingsPage", "activities": "ActivitiesPage", "donations": "DonationsPage",
    "honors": "HonorsPage", "venues": "VenuesPage",
}
__all__ = [
    "ActivitiesPage",
    "CaresList",
    "Dashboard",
    "DataPage",
    "DonationsPage",
    "GroupsPage",
    "HonorsList",
    "HonorsPage",
    "PairingsPage",
    "ReportsPage",
    "RollupPage",
    "SettingsPage",
    "StudentsPage",
    "VenuesPage",
    "VolunteersPage",
    "WuhaoDialog",
]  # the same names as HOMES

if TYPE_CHECKING:
    from gui.pages.activities import ActivitiesPage
    from gui.pages.dashboard import Dashboard
    from gui.pages.data import DataPage
    from gui.pages.donations import DonationsPage
    from gui.pages.groups import GroupsPage, WuhaoDialog
    from gui.pages.honors import CaresList, HonorsList, HonorsPage
    from gui.pages.pairings import PairingsPage
    from gui.pages.reports import ReportsPage
    from gui.pages.rollup import RollupPage
    from gui.pages.settings import SettingsPage
    from gui.pages.students import StudentsPage
    from gui.pages.venues import VenuesPage
    from gui.pages.volunteers import VolunteersPage


def __getattr__(name: str) -> Any:
    """A page class, its module imported on first use (PEP 562)."""
    if name not in HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{HOMES[name]}"), name)
    globals()[name] = value
    return value
