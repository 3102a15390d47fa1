"""One to-do list for everyone: every duty a process creates for a person or a unit."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class TodoStatus(models.TextChoices):
    OPEN = "open", _("待办")
    DONE = "done", _("已办")
    CANCELLED = "cancelled", _("已撤销")


class TodoItem(models.Model):
    """A duty with an owner, a deadline and a link to the object it is about.

    Whether an item is overdue is computed from ``due_at`` when it is read; no
    job sets a flag that could be forgotten. ``last_reminder_days`` and
    ``escalation_level`` only record which reminders were already sent.
    """

    congress = models.ForeignKey("organizations.Congress", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("事项类型"), max_length=60)
    title = models.CharField(_("事项"), max_length=200)
    assignee_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="todo_items"
    )
    assignee_unit = models.ForeignKey(
        "organizations.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="todo_items"
    )
    supervising_unit = models.ForeignKey(
        "organizations.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="supervised_todo_items"
    )
    due_at = models.DateTimeField(_("期限"), null=True, blank=True)
    target_type = models.CharField(max_length=80, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    url = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=12, choices=TodoStatus.choices, default=TodoStatus.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    last_reminder_days = models.SmallIntegerField(null=True, blank=True)
    escalation_level = models.SmallIntegerField(default=0)

    class Meta:
        ordering = ["due_at", "pk"]
        verbose_name = _("待办事项")
        verbose_name_plural = _("待办事项")
        indexes = [
            models.Index(fields=["status", "due_at"], name="todo_status_due"),
            models.Index(fields=["assignee_unit", "status", "due_at"], name="todo_unit_status_due"),
            models.Index(fields=["assignee_user", "status", "due_at"], name="todo_user_status_due"),
            models.Index(fields=["target_type", "target_id", "kind"], name="todo_target"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(assignee_user__isnull=False) | Q(assignee_unit__isnull=False),
                name="todo_has_an_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.title
