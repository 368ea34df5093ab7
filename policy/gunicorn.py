"""gunicorn's settings for serving the archive (`./dev serve`, or
`gunicorn -c policy/gunicorn.py policy.wsgi` in production), from the environment.

Sync workers, one database connection each (kept between requests: CONN_MAX_AGE, with health
checks), as many workers as the machine's cores allow: pages are short and CPU-bound (rendering)
or waiting on PostgreSQL, so 2 per core plus one keeps both busy. One log line per request with
its status and duration."""

import multiprocessing
import os

bind = os.environ.get(
    "BIND", f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
)
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = 30  # the search's own limit is 3 s: a worker stuck this long is broken
graceful_timeout = 20
max_requests, max_requests_jitter = 5000, 500  # recycle workers now and then
accesslog = "-"
# Remote address, request line, status, bytes, duration in milliseconds.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
