"""Create the single audit-chain head row up front, so appends only lock and update it."""

from __future__ import annotations

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

GENESIS_HASH = "0" * 64


def create_head(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    head_model = apps.get_model("core", "AuditChainHead")
    head_model.objects.using(schema_editor.connection.alias).get_or_create(
        pk=1, defaults={"last_sequence": 0, "last_hash": GENESIS_HASH}
    )


class Migration(migrations.Migration):
    dependencies = [("core", "0003_todo_notify")]
    operations = [migrations.RunPython(create_head, migrations.RunPython.noop)]
