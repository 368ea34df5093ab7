from django.apps import AppConfig


class StatementsConfig(AppConfig):
    name = "statements"
    verbose_name = "Archive"

    def ready(self):
        from .models import Resolution, Statement, protect_many_to_many

        for tags in (Resolution.topics, Statement.topics, Statement.mentions):
            protect_many_to_many(tags.field)
