"""New statements start as drafts; publishing is a permission of its own; and the editors'
workplace has two roles, as groups. Editors enter and correct the archive's objects, and
their new statements wait as drafts; Reviewers also publish, unpublish and delete. Neither
manages users or groups: only a superuser does."""

from django.contrib.auth.management import create_permissions
from django.db import migrations, models

# The objects editors enter, with the rows entered inside their forms (affiliations, aliases,
# quotations).
EDITED = [
    "organisation",
    "affiliation",
    "topic",
    "alias",
    "congress",
    "resolution",
    "statement",
    "quotation",
]
# Removing an alias or a quotation is part of correcting its topic or statement; deleting a
# whole object (which may be published) is a reviewer's call.
INLINE = ["affiliation", "alias", "quotation"]

ROLES = {
    "Editors": [f"{action}_{model}" for model in EDITED for action in ("view", "add", "change")]
    + [f"delete_{model}" for model in INLINE],
    "Reviewers": [
        f"{action}_{model}" for model in EDITED for action in ("view", "add", "change", "delete")
    ]
    + ["publish_statement"],
}


def create_roles(apps, schema_editor):
    database = schema_editor.connection.alias
    # Django creates permissions after the last migration (post_migrate); a new database
    # needs them now.
    statements = apps.get_app_config("statements")
    statements.models_module = True
    create_permissions(statements, verbosity=0, using=database, apps=apps)
    statements.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.using(database).get_or_create(name=name)
        permissions = Permission.objects.using(database).filter(
            content_type__app_label="statements", codename__in=codenames
        )
        if len(permissions) != len(codenames):
            raise RuntimeError(f"{name}: some of {codenames} are not permissions")
        group.permissions.set(permissions)


def remove_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("statements", "0018_position_facts_date_in_year"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="statement",
            options={
                "ordering": [
                    models.OrderBy(models.F("date"), descending=True, nulls_last=True),
                    "title",
                ],
                "permissions": [("publish_statement", "Can publish and unpublish statements")],
            },
        ),
        migrations.AlterField(
            model_name="statement",
            name="status",
            field=models.CharField(
                choices=[("published", "Published"), ("draft", "Draft")],
                default="draft",
                max_length=10,
            ),
        ),
        migrations.RunPython(create_roles, remove_roles),
    ]
