"""SQLAlchemy 2 models of every subject in domain.md §2.

Money is kept as integer 分 (``*_fen`` columns). Several codes in one column use
:func:`models.codes.join_multi`. A record with ``deleted_at`` set is in the 回收站 and counts nowhere.
"""

from __future__ import annotations

import datetime as dt
import uuid as uuid_mod

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from models.subjects import SUBJECT_INFO


def now() -> dt.datetime:
    """Local wall-clock time without microseconds, as the clerk reads it."""
    return dt.datetime.now().replace(microsecond=0)


def new_uuid() -> str:
    """A record's stable identity across databases (never changes across edits)."""
    return str(uuid_mod.uuid4())


class Base(DeclarativeBase):
    pass


class Tracked:
    """Columns every user-editable record has."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now, onupdate=now)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(DateTime, default=None)
    #: stable identity for roll-up data files; filled on every insert (also bulk inserts:
    #: SQLAlchemy calls the Python default once per row of an executemany)
    uuid: Mapped[str | None] = mapped_column(String(36), default=new_uuid, unique=True,
                                             index=True)


class Setting(Base):
    """Committee settings and program state as key/value text."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")


class CodeEntry(Base):
    """One entry of an editable code table (domain.md §3)."""

    __tablename__ = "code_entries"
    __table_args__ = (UniqueConstraint("table_name", "value"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    table_name: Mapped[str] = mapped_column(String(40), index=True)
    value: Mapped[str] = mapped_column(String(60))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)


class Alias(Base):
    """A value the clerk taught the import (contract.md §2.13): in ``table_name`` (a code table,
    or ``group``/``volunteer`` for names) the text ``value`` means ``code``."""

    __tablename__ = "aliases"
    __table_args__ = (UniqueConstraint("table_name", "value"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    table_name: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)


class Group(Tracked, Base):
    """关工小组 / 基层关工组织."""

    __tablename__ = "groups"
    name: Mapped[str] = mapped_column(String(100), index=True)
    name_initials: Mapped[str] = mapped_column(String(100), default="", index=True)
    type: Mapped[str] = mapped_column(String(20), default="其他")
    leader: Mapped[str] = mapped_column(String(40), default="")
    deputy: Mapped[str] = mapped_column(String(40), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    member_count: Mapped[int] = mapped_column(Integer, default=0)
    founded_on: Mapped[dt.date | None] = mapped_column(Date)
    dissolved_on: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")

    assessments: Mapped[list[WuhaoAssessment]] = relationship(back_populates="group")


class WuhaoAssessment(Base):
    """A group's yearly 五好 assessment: five items and whether it is 达标."""

    __tablename__ = "wuhao_assessments"
    __table_args__ = (UniqueConstraint("group_id", "year"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer, index=True)
    item1: Mapped[bool] = mapped_column(Boolean, default=False)
    item2: Mapped[bool] = mapped_column(Boolean, default=False)
    item3: Mapped[bool] = mapped_column(Boolean, default=False)
    item4: Mapped[bool] = mapped_column(Boolean, default=False)
    item5: Mapped[bool] = mapped_column(Boolean, default=False)
    passed: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    #: the scored rubric as assessed (JSON, models.wuhao); "" for an assessment of five √/×
    scores: Mapped[str] = mapped_column(Text, default="", server_default="")

    group: Mapped[Group] = relationship(back_populates="assessments")

    def items(self) -> list[bool]:
        return [self.item1, self.item2, self.item3, self.item4, self.item5]


def _text(length: int) -> Mapped[str]:
    """A text column added by a schema upgrade: NOT NULL with an empty default on disk too."""
    return mapped_column(String(length), default="", server_default="")


class Person:
    """Columns shared by 五老 and students."""

    name: Mapped[str] = mapped_column(String(40), index=True)
    name_initials: Mapped[str] = mapped_column(String(40), default="", index=True)
    sex: Mapped[str] = mapped_column(String(2), default="")
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    id_number: Mapped[str | None] = mapped_column(String(18))
    note: Mapped[str] = mapped_column(Text, default="")


class Volunteer(Tracked, Person, Base):
    """五老."""

    __tablename__ = "volunteers"
    __table_args__ = (
        Index("ux_volunteers_id_number", "id_number", unique=True,
              sqlite_where=text("id_number IS NOT NULL AND deleted_at IS NULL")),
    )
    political_status: Mapped[str] = mapped_column(String(20), default="")
    category: Mapped[str] = mapped_column(String(10), index=True)
    former_post: Mapped[str] = mapped_column(String(200), default="")
    specialty: Mapped[str] = mapped_column(String(200), default="")
    roles: Mapped[str] = mapped_column(String(400), default="")
    is_backbone: Mapped[bool] = mapped_column(Boolean, default=False)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="SET NULL"),
                                                  index=True)
    phone: Mapped[str] = mapped_column(String(40), default="", index=True)
    joined_on: Mapped[dt.date | None] = mapped_column(Date)
    left_on: Mapped[dt.date | None] = mapped_column(Date)
    leave_reason: Mapped[str] = mapped_column(String(200), default="")

    group: Mapped[Group | None] = relationship()


class Student(Tracked, Person, Base):
    """帮扶对象 / 帮扶学生."""

    __tablename__ = "students"
    __table_args__ = (
        Index("ux_students_id_number", "id_number", unique=True,
              sqlite_where=text("id_number IS NOT NULL AND deleted_at IS NULL")),
    )
    categories: Mapped[str] = mapped_column(String(400), default="")
    school: Mapped[str] = mapped_column(String(100), default="")
    grade: Mapped[str] = mapped_column(String(40), default="")
    guardian: Mapped[str] = mapped_column(String(40), default="")
    guardian_relation: Mapped[str] = mapped_column(String(20), default="")
    guardian_phone: Mapped[str] = mapped_column(String(40), default="", index=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    health_note: Mapped[str] = mapped_column(Text, default="")
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="SET NULL"))
    registered_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="在帮")
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    # the 民政 登记表's fields (domain.md §8, schema step "records"); codes from models.codes
    ethnicity: Mapped[str] = _text(20)
    hukou_place: Mapped[str] = _text(200)
    residence: Mapped[str] = _text(200)
    boarding: Mapped[str] = _text(2)
    schooling: Mapped[str] = _text(10)
    health: Mapped[str] = _text(10)
    disability_type: Mapped[str] = _text(10)
    disability_grade: Mapped[str] = _text(4)
    father_name: Mapped[str] = _text(40)
    father_id_number: Mapped[str] = _text(18)
    father_phone: Mapped[str] = _text(40)
    father_status: Mapped[str] = _text(10)
    father_work_place: Mapped[str] = _text(60)
    mother_name: Mapped[str] = _text(40)
    mother_id_number: Mapped[str] = _text(18)
    mother_phone: Mapped[str] = _text(40)
    mother_status: Mapped[str] = _text(10)
    mother_work_place: Mapped[str] = _text(60)
    guardianship: Mapped[str] = _text(20)
    #: the 监护人 above is the 委托监护人 when the 监护类型 says so; these complete it
    guardian_id_number: Mapped[str] = _text(18)
    guardian_address: Mapped[str] = _text(200)
    guardianship_rating: Mapped[str] = _text(4)
    family_income: Mapped[str] = _text(200)
    relief: Mapped[str] = _text(100)
    #: 最近核查日期 (动态核查)
    checked_on: Mapped[dt.date | None] = mapped_column(Date)

    group: Mapped[Group | None] = relationship()


class Pairing(Tracked, Base):
    """结对: one 五老 with one student for a period."""

    __tablename__ = "pairings"
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    mode: Mapped[str] = mapped_column(String(10), default="一对一")
    started_on: Mapped[dt.date | None] = mapped_column(Date)
    ended_on: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")

    volunteer: Mapped[Volunteer] = relationship()
    student: Mapped[Student] = relationship()


class AidRecord(Tracked, Base):
    """帮扶记录: a visit, tutoring, counselling, money or goods given to a student."""

    __tablename__ = "aid_records"
    __table_args__ = (  # covering index: the year's figures read no table rows (schema v2)
        Index("ix_aid_records_year", "date", "deleted_at", "student_id", "money_fen"),
    )
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteers.id"), index=True)
    pairing_id: Mapped[int | None] = mapped_column(ForeignKey("pairings.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="走访看望")
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    content: Mapped[str] = mapped_column(Text, default="")
    money_fen: Mapped[int] = mapped_column(Integer, default=0)
    #: 志愿服务时长 of the 五老 (minutes, exact)
    service_minutes: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))

    student: Mapped[Student] = relationship()
    volunteer: Mapped[Volunteer | None] = relationship()


activity_participants = Table(
    "activity_participants",
    Base.metadata,
    Column("activity_id", ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True),
    Column("volunteer_id", ForeignKey("volunteers.id", ondelete="CASCADE"), primary_key=True),
    #: the 五老's 志愿服务时长 at this activity (minutes; 0 when not recorded)
    Column("service_minutes", Integer, nullable=False, default=0, server_default=text("0")),
)

donation_recipients = Table(
    "donation_recipients",
    Base.metadata,
    Column("donation_id", ForeignKey("donations.id", ondelete="CASCADE"), primary_key=True),
    Column("student_id", ForeignKey("students.id", ondelete="CASCADE"), primary_key=True),
)


class Activity(Tracked, Base):
    """活动: one activity held (场次)."""

    __tablename__ = "activities"
    __table_args__ = (  # covering index for the year's figures and the dashboard (schema v2)
        Index("ix_activities_year", "date", "deleted_at", "theme", "volunteer_count",
              "youth_count"),
    )
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    title: Mapped[str] = mapped_column(String(200), index=True)
    title_initials: Mapped[str] = mapped_column(String(200), default="")
    theme: Mapped[str] = mapped_column(String(20), default="其他", index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="SET NULL"))
    organiser: Mapped[str] = mapped_column(String(100), default="")
    place: Mapped[str] = mapped_column(String(200), default="")
    volunteer_count: Mapped[int] = mapped_column(Integer, default=0)
    youth_count: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[str] = mapped_column(Text, default="")

    group: Mapped[Group | None] = relationship()
    participants: Mapped[list[Volunteer]] = relationship(secondary=activity_participants,
                                                         viewonly=True)
    photos: Mapped[list[ActivityPhoto]] = relationship(back_populates="activity",
                                                       cascade="all, delete-orphan")


class ActivityPhoto(Base):
    """A photo of an activity, copied into the data folder's ``photos/``."""

    __tablename__ = "activity_photos"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"),
                                             index=True)
    file_name: Mapped[str] = mapped_column(String(200))
    original_name: Mapped[str] = mapped_column(String(260), default="")
    added_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)

    activity: Mapped[Activity] = relationship(back_populates="photos")


class Donation(Tracked, Base):
    """捐资助学 / 捐钱捐物."""

    __tablename__ = "donations"
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    donor: Mapped[str] = mapped_column(String(100), index=True)
    donor_initials: Mapped[str] = mapped_column(String(100), default="")
    donor_type: Mapped[str] = mapped_column(String(20), default="其他")
    money_fen: Mapped[int] = mapped_column(Integer, default=0)
    goods: Mapped[str] = mapped_column(String(200), default="")
    goods_value_fen: Mapped[int] = mapped_column(Integer, default=0)
    purpose: Mapped[str] = mapped_column(String(200), default="")
    recipients_text: Mapped[str] = mapped_column(String(400), default="")
    note: Mapped[str] = mapped_column(Text, default="")

    recipients: Mapped[list[Student]] = relationship(secondary=donation_recipients)


class Honor(Tracked, Base):
    """表彰 of a 五老 (person) or a group (先进集体)."""

    __tablename__ = "honors"
    date: Mapped[dt.date | None] = mapped_column(Date)
    year: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(10), default="乡镇级")
    issuer: Mapped[str] = mapped_column(String(100), default="")
    recipient_name: Mapped[str] = mapped_column(String(100))
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteers.id"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
    note: Mapped[str] = mapped_column(Text, default="")


class VolunteerCare(Tracked, Base):
    """慰问: a holiday visit or small subsidy to a 五老."""

    __tablename__ = "volunteer_cares"
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"), index=True)
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    occasion: Mapped[str] = mapped_column(String(60), default="")
    content: Mapped[str] = mapped_column(Text, default="")
    money_fen: Mapped[int] = mapped_column(Integer, default=0)

    volunteer: Mapped[Volunteer] = relationship()


class Venue(Tracked, Base):
    """阵地: a place of the work (校外辅导站、留守儿童之家 …) and its 经费 for one year (domain.md §8;
    schema step "venues")."""

    __tablename__ = "venues"
    name: Mapped[str] = mapped_column(String(100), index=True)
    name_initials: Mapped[str] = mapped_column(String(100), default="")
    type: Mapped[str] = mapped_column(String(20), default="其他")
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="SET NULL"),
                                                  index=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    opened_on: Mapped[dt.date | None] = mapped_column(Date)
    #: the year ``funds_fen`` is for (本年经费 of that year); None when no 经费 is recorded
    funds_year: Mapped[int | None] = mapped_column(Integer)
    funds_fen: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")

    group: Mapped[Group | None] = relationship()


class AuditEntry(Base):
    """One line of the audit log (who did what, when)."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=now, index=True)
    user: Mapped[str] = mapped_column(String(60), default="")
    action: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(20), default="")
    record_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text, default="")


class RollupUnit(Base):
    """A unit (township, county) whose packages this database has taken (contract §6)."""

    __tablename__ = "rollup_units"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    level: Mapped[str] = mapped_column(String(10), default="")
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime, default=now)


class RollupPackage(Base):
    """The latest package taken from one unit for one year, with its §3 figures."""

    __tablename__ = "rollup_packages"
    __table_args__ = (UniqueConstraint("unit_code", "year"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("rollup_units.code"))
    year: Mapped[int] = mapped_column(Integer, index=True)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    format: Mapped[int] = mapped_column(Integer, default=1)
    file_name: Mapped[str] = mapped_column(String(255), default="")
    sha256: Mapped[str] = mapped_column(String(64), default="")
    exported_at: Mapped[str] = mapped_column(String(40), default="")
    taken_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    figures_json: Mapped[str] = mapped_column(Text, default="{}")
    #: the package's data file (records masked as on its forms), for the county's own forms
    #: (children-register, service-hours, wuhao); "" for a package taken before schema 7
    data_json: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: the package's quality.json findings (contract §8), when it carries one
    quality_json: Mapped[str | None] = mapped_column(Text, default=None)
    #: activities held in each month of the year (12 counts, JSON), the unit's own and its units'
    months_json: Mapped[str | None] = mapped_column(Text, default=None)


class RollupRecord(Base):
    """One person of a taken package's data file, kept to find duplicates across units."""

    __tablename__ = "rollup_records"
    __table_args__ = (Index("ix_rollup_records_person", "name", "birth_date"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("rollup_packages.id", ondelete="CASCADE"),
                                            index=True)
    subject: Mapped[str] = mapped_column(String(20))
    uuid: Mapped[str] = mapped_column(String(36), default="")
    name: Mapped[str] = mapped_column(String(40), default="")
    birth_date: Mapped[str] = mapped_column(String(10), default="")


class ChainKey(Base):
    """A public key pinned on first use (contract §6 "Signed", §7): a unit below whose packages
    this database takes, or the receiver above whose 回执 it takes."""

    __tablename__ = "chain_keys"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    public_key: Mapped[str] = mapped_column(String(64), default="")
    pinned_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)


class ChainReview(Base):
    """The receiver's decision on one package of a unit (contract §7), newest last."""

    __tablename__ = "chain_reviews"
    __table_args__ = (Index("ix_chain_reviews_unit_year", "unit_code", "year"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(40))
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    manifest_sha256: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)


class ChainSent(Base):
    """A package this unit made (so a 回执 can name it)."""

    __tablename__ = "chain_sent"
    __table_args__ = (Index("ix_chain_sent_year", "year", "sequence"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(255), default="")
    made_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)


class ChainReceipt(Base):
    """A 回执 this unit took from the level above (contract §7)."""

    __tablename__ = "chain_receipts"
    __table_args__ = (Index("ix_chain_receipts_year", "year"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str] = mapped_column(Text, default="")
    receiver_code: Mapped[str] = mapped_column(String(40), default="")
    receiver_name: Mapped[str] = mapped_column(String(100), default="")
    receiver_level: Mapped[str] = mapped_column(String(10), default="")
    decided_at: Mapped[str] = mapped_column(String(40), default="")
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    superseded: Mapped[bool] = mapped_column(Boolean, default=False)
    receipt_sha256: Mapped[str] = mapped_column(String(64), unique=True)


class ChainYear(Base):
    """A year of this unit accepted above (``locked``) or reopened (``needs_resend``)."""

    __tablename__ = "chain_years"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    needs_resend: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text, default="")
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)


#: subject key -> model, for the generic services, the 回收站 and the check (derived from the
#: descriptors of models.subjects)
SUBJECTS: dict[str, type[Tracked]] = {d.key: globals()[d.model_name] for d in SUBJECT_INFO.values()}
