"""WSGI entry point (gunicorn kbs.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kbs.settings")
application = get_wsgi_application()
