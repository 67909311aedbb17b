"""A list backed by a query (models.lists): filtering, sorting and counting happen in the database.

Rows are fetched in batches as the view scrolls (``canFetchMore``/``fetchMore``), so a list of
100 000 五老 opens and re-sorts instantly. Each row keeps its record id under ``ID_ROLE``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from sqlalchemy import Select

from models import lists
from models.db import Database

ID_ROLE = Qt.ItemDataRole.UserRole + 1
BATCH = 120
Index = QModelIndex | QPersistentModelIndex
#: a list's count, its first rows as shown and their record ids
FirstBatch = tuple[int, list[list[Any]], list[int]]


@dataclass(frozen=True)
class ListColumn:
    """A list column: header, how to show a row, the SQL expression it sorts by."""

    header: str
    show: Callable[[Any], Any]
    sort: Any = None
    align: str = "left"
    width: int = 0


class SqlListModel(QAbstractTableModel):
    def __init__(self, db: Database, columns: list[ListColumn],
                 query: Callable[[], Select], row_id: Callable[[Any], int]) -> None:
        super().__init__()
        self.db = db
        self.columns = columns
        self.query = query
        self.row_id = row_id
        self.order: Any = None
        self.rows: list[list[Any]] = []
        self.ids: list[int] = []
        self.total = 0
        self._sort_col = -1
        self._descending = False
        #: refresh() ran once: until then sorting only records the order (a view's
        #: setSortingEnabled and setSortIndicator would each load the list again)
        self.loaded = False
        #: the first batch read in the background, shown by the next refresh()
        self.prefetched: FirstBatch | None = None

    # -- loading -----------------------------------------------------------------------------
    def _ordered(self) -> Select:
        q = self.query()
        if 0 <= self._sort_col < len(self.columns) and self.columns[self._sort_col].sort is not None:
            q = lists.sorted_by(q, self.columns[self._sort_col].sort, self._descending)
        return q

    def _fetch(self, offset: int) -> tuple[list[list[Any]], list[int]]:
        with self.db.reader() as s:
            result = lists.batch(s, self._ordered(), offset, BATCH)
            rows = [[c.show(r) for c in self.columns] for r in result]
            return rows, [self.row_id(r) for r in result]

    def first_batch(self) -> Callable[[], FirstBatch]:
        """The reading of the count and the first batch for the current search, filters and
        order, as a function to run on any thread (the statements are built here, on the
        GUI thread, from the widgets; the function reads with its own session). Its result
        is handed to :meth:`refresh` through ``prefetched``."""
        query, ordered = self.query(), self._ordered()
        columns, row_id, db = self.columns, self.row_id, self.db

        def read() -> FirstBatch:
            with db.reader() as s:
                total = lists.row_count(s, query)
                result = lists.batch(s, ordered, 0, BATCH)
                return (total, [[c.show(r) for c in columns] for r in result],
                        [row_id(r) for r in result])

        return read

    def refresh(self) -> None:
        """Count and load the first batch again (after a search, a filter or a change); with
        ``prefetched`` set (a first_batch read in the background), show that instead."""
        self.loaded = True
        ready, self.prefetched = self.prefetched, None
        self.beginResetModel()
        try:
            if ready is not None:
                self.total, self.rows, self.ids = ready
            else:
                with self.db.reader() as s:
                    self.total = lists.row_count(s, self.query())
                self.rows, self.ids = self._fetch(0)
        except BaseException:
            self.rows, self.ids, self.total = [], [], 0
            raise
        finally:
            self.endResetModel()

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and len(self.rows) < self.total

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid():
            return
        rows, ids = self._fetch(len(self.rows))
        if not rows:
            self.total = len(self.rows)
            return
        self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(rows) - 1)
        self.rows.extend(rows)
        self.ids.extend(ids)
        self.endInsertRows()

    # -- Qt model ----------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            value = self.rows[index.row()][index.column()]
            return "" if value is None else str(value)
        if role == ID_ROLE:
            return self.ids[index.row()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            align = self.columns[index.column()].align
            h = {"right": Qt.AlignmentFlag.AlignRight, "center": Qt.AlignmentFlag.AlignHCenter}
            return h.get(align, Qt.AlignmentFlag.AlignLeft) | Qt.AlignmentFlag.AlignVCenter
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.columns[section].header
        if role == Qt.ItemDataRole.DisplayRole:
            return section + 1
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._sort_col = column
        self._descending = order == Qt.SortOrder.DescendingOrder
        if self.loaded:
            self.refresh()

    def id_at(self, row: int) -> int:
        return self.ids[row]

    def all_rows(self) -> list[list[Any]]:
        """Every row of the current search and order (for exporting the list)."""
        with self.db.reader() as s:
            return [[c.show(r) for c in self.columns] for r in lists.batch(s, self._ordered())]


class RowsModel(QAbstractTableModel):
    """A small in-memory table (trash, audit log, backups, import problems)."""

    def __init__(self, headers: list[str]) -> None:
        super().__init__()
        self.headers = headers
        self.rows: list[list[Any]] = []
        self.keys: list[Any] = []

    def set_rows(self, rows: list[list[Any]], keys: list[Any] | None = None) -> None:
        self.beginResetModel()
        self.rows = rows
        self.keys = keys if keys is not None else list(range(len(rows)))
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if index.isValid() and role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            value = self.rows[index.row()][index.column()]
            return "" if value is None else str(value)
        if index.isValid() and role == ID_ROLE:
            return self.keys[index.row()]
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.headers[section]
        return None
