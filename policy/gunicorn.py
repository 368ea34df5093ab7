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
# gthread with one thread: a request at a time per worker, as with sync workers, but the
# worker's main loop keeps telling the arbiter it is alive while a long download streams
# (a sync worker streaming for more than `timeout` would be killed mid-file).
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 1))
timeout = 30  # a worker whose main loop is silent this long is stuck
graceful_timeout = 20
max_requests, max_requests_jitter = 5000, 500  # recycle workers now and then
# The application is loaded once, in the arbiter (policy/wsgi.py warms it): a worker, new or
# recycled, is a fork that answers at once. No connection is opened before the fork.
preload_app = True
accesslog = "-"
# Remote address, request line, status, bytes, duration in milliseconds.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
