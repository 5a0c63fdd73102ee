"""The sessions' cache: Redis, where an outage is a miss, not an error.

Sessions are cached_db: the database holds every session, Redis keeps a copy that spares each
signed-in request a query. With Redis stopped, Django's Redis cache raises on the reads and
writes that cached_db does not guard (whether a new session key is taken, signing out), and
every request would wait on the connection. Here a connection error reads as "not cached" and
a write that fails is logged and skipped: the database answers, and the copy is made again
once Redis is back.

A session deleted (signing out) while Redis cannot be reached stays in a Redis that comes back
with its data until it expires; a Redis whose data did not survive the outage keeps nothing.
"""

import logging

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)


class ForgivingRedisCache(RedisCache):
    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except UNREACHABLE as error:
            logger.warning("sessions cache unreachable, reading the database: %s", error)
            return default

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except UNREACHABLE as error:
            logger.warning("sessions cache unreachable, reading the database: %s", error)
            return False

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except UNREACHABLE as error:
            logger.warning("sessions cache unreachable, not cached: %s", error)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except UNREACHABLE as error:
            logger.warning("sessions cache unreachable, not cached: %s", error)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except UNREACHABLE as error:
            logger.error("sessions cache unreachable, %s not deleted from it: %s", key, error)
            return False
