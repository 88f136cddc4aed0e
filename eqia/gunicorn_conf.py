"""gunicorn's settings for serving EqIA: ``gunicorn -c python:eqia.gunicorn_conf``.

Every setting can be changed from the environment (README "Running in production"); the
app's own configuration still comes from ``EQIA_CONFIG`` and the rest. Nothing here
imports the app: each worker builds its own (``preload_app`` off), so no database or Redis
connection is ever shared across a fork.
"""

import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


wsgi_app = "eqia:create_app()"
bind = os.environ.get("EQIA_BIND", "127.0.0.1:8000").split(",")

# gthread, not sync: a sync worker is held by one connection for as long as it lasts, so a
# slow client or a keep-alive connection from the load balancer (sync ignores keepalive)
# blocks it, as do the waits on PostgreSQL, SMTP or Notify (emails go after the response),
# clamd and the timestamp authority. Threads share those waits; the CPU-heavy work (PDFs)
# is spread over processes, one per core and then some.
worker_class = "gthread"
workers = _int("EQIA_WORKERS", 2 * (os.cpu_count() or 1) + 1)
threads = _int("EQIA_THREADS", 4)
preload_app = False

# A worker that stops answering its master for this long is restarted (under gthread a long
# request, such as the signed-records ZIP, does not count: the worker still answers).
timeout = _int("EQIA_WORKER_TIMEOUT_SECONDS", 60)
# On a restart or deploy (SIGTERM, SIGHUP), requests under way get this long to finish.
graceful_timeout = _int("EQIA_GRACEFUL_TIMEOUT_SECONDS", 30)
# Longer than the load balancer's idle timeout (60 s on most), so the balancer, never
# gunicorn, closes an idle connection: no request is sent down a connection being closed.
keepalive = _int("EQIA_KEEPALIVE_SECONDS", 75)

# The access log on standard output, the error log (with the app's own log) on standard
# error. Each access line ends with the request's id, the X-Request-Id the app sent back
# (the load balancer's, or one it made), which the app's log lines and security events
# carry too. The path is printed without its query string, as in the security log.
accesslog = os.environ.get("EQIA_ACCESS_LOG", "-")
errorlog = os.environ.get("EQIA_ERROR_LOG", "-")
loglevel = os.environ.get("EQIA_LOG_LEVEL", "info")
access_log_format = (
    '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s" request_id=%({x-request-id}o)s'
)
proc_name = "eqia"
# No control socket (gunicorn 25+): nothing here uses gunicornc, and instances on one host
# would all want the same default path.
control_socket_disable = True
