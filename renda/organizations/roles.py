"""The roles a person can hold in a congress, and what each implies."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    STAFF_ADMIN = "staff_admin", _("系统管理员")
    COMMITTEE_STAFF = "committee_staff", _("工作机构人员")
    SC_MEMBER = "sc_member", _("常委会组成人员")
    LEADER = "leader", _("领导")
    DEPUTY = "deputy", _("人大代表")
    UNIT_OFFICER = "unit_officer", _("承办单位经办人")
    UNIT_HEAD = "unit_head", _("承办单位负责人")
    STATION_STAFF = "station_staff", _("联络站工作人员")
    AUDITOR = "auditor", _("审计员")
    CITIZEN = "citizen", _("群众")


# Roles that act inside a unit, and must name it.
ROLES_REQUIRING_UNIT = frozenset({Role.COMMITTEE_STAFF, Role.UNIT_OFFICER, Role.UNIT_HEAD, Role.STATION_STAFF})

# Congress staff with broad reach: their login needs a second factor (TOTP).
ROLES_REQUIRING_TOTP = frozenset({Role.STAFF_ADMIN, Role.COMMITTEE_STAFF, Role.LEADER, Role.AUDITOR})

# Roles allowed to log in with a one-time SMS code instead of a password.
ROLES_ALLOWING_SMS_LOGIN = frozenset({Role.DEPUTY, Role.CITIZEN})

# When a session has not chosen a role yet, the first one held in this order is used.
ROLE_PRECEDENCE = [
    Role.STAFF_ADMIN,
    Role.AUDITOR,
    Role.LEADER,
    Role.COMMITTEE_STAFF,
    Role.SC_MEMBER,
    Role.UNIT_HEAD,
    Role.UNIT_OFFICER,
    Role.STATION_STAFF,
    Role.DEPUTY,
    Role.CITIZEN,
]
