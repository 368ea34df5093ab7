"""The WSGI application, ready to answer: the URLconf (and every view it imports) and the
templates are loaded here, not by a worker's first request, which otherwise waited most of a
second. Under gunicorn (policy/gunicorn.py preloads the application) that happens once, in
the arbiter, and every worker forked from it, a recycled one too, starts warm."""

import os
from pathlib import Path

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.template.loader import get_template
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "policy.settings")
application = get_wsgi_application()


def warm():
    get_resolver().url_patterns  # noqa: B018 (imports the URLconf and its views)
    for folder in settings.TEMPLATES[0]["DIRS"]:
        for path in sorted(Path(folder).rglob("*.html")):
            get_template(str(path.relative_to(folder)))


warm()
