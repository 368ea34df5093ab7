# Since migration 0009 the three search vectors are plain columns that a BEFORE trigger fills,
# but Django's state still called them generated columns. Here the state says what they are:
# TriggerVectorFields, which declare the trigger's expressions (tests/test_search.py holds the
# trigger to them). The database does not change: state only.

from django.db import migrations

import statements.search.config

FIELDS = {
    "resolution": ("title", "section", "text"),
    "statement": ("title", "summary", "text"),
}


def state_operations():
    operations = []
    for model, source in FIELDS.items():
        for name, field in (
            ("search_vector", statements.search.config.TriggerVectorField(source=source)),
            ("search_head", statements.search.config.TriggerVectorField(source=source[:2])),
            (
                "search_pairs",
                statements.search.config.TriggerVectorField(source=source, pairs=True),
            ),
        ):
            operations.append(migrations.AlterField(model_name=model, name=name, field=field))
    return operations


class Migration(migrations.Migration):
    dependencies = [
        ("statements", "0009_search_vectors_parsed_once"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=state_operations()),
    ]
