from django.apps import AppConfig


class StatementsConfig(AppConfig):
    name = "statements"
    verbose_name = "Archive"

    def ready(self):
        # The models load only once the app registry is ready: Django's documented place.
        from .models import Resolution, Statement, protect_many_to_many  # noqa: PLC0415

        for tags in (Resolution.topics, Statement.topics, Statement.mentions):
            protect_many_to_many(tags.field)
