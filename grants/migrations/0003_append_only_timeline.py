"""The timeline (state changes) and conflict-of-interest declarations are append-only.

On PostgreSQL a trigger rejects every UPDATE and DELETE of their rows, whoever sends
it: the portal, the admin or a stray script. TRUNCATE (``manage.py flush``, used to
reset a demo database) is not a row change and still empties them. The demo seed
backdates its story's state changes inside a transaction that sets
``portal.rewrite_history`` to ``on`` (reporting/demo.py); nothing else sets it.
SQLite (local demo, tests) has no such trigger: there the admin and the keys keep
the records.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

APPEND_ONLY_TABLES = {
    "append_only_timeline": "grants_transition",
    "append_only_declarations": "grants_conflictdeclaration",
}

CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION portal_reject_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('portal.rewrite_history', true) = 'on' THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    RAISE EXCEPTION '% on % refused: the table is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END
$$;
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE_FUNCTION, params=None)
    for trigger, table in APPEND_ONLY_TABLES.items():
        schema_editor.execute(
            f"CREATE TRIGGER {trigger} BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION portal_reject_change()"
        )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for trigger, table in APPEND_ONLY_TABLES.items():
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS portal_reject_change()")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("grants", "0002_review"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # A person or a content type with recorded state changes cannot be deleted
        # (a SET NULL or CASCADE would rewrite the timeline); deactivate or anonymise.
        migrations.AlterField(
            model_name="transition",
            name="by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="by",
            ),
        ),
        migrations.AlterField(
            model_name="transition",
            name="content_type",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, to="contenttypes.contenttype"
            ),
        ),
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
    ]
