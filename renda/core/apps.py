import os
import sys

from django.apps import AppConfig
from django.conf import settings


class CoreConfig(AppConfig):
    name = "renda.core"
    label = "core"
    verbose_name = "核心"

    def ready(self) -> None:
        from renda.core import notify, todo
        from renda.core.models import TodoItem

        notify.register_visibility(TodoItem, todo.can_view_todo)
        # `make run` sets RENDA_IN_PROCESS_SCHEDULER=1; start the thread only in the serving process
        # (runserver's autoreloader runs a parent that only watches files).
        if (
            settings.RENDA_IN_PROCESS_SCHEDULER
            and not settings.CELERY_BROKER_URL
            and "runserver" in sys.argv
            and (os.environ.get("RUN_MAIN") == "true" or "--noreload" in sys.argv)
        ):
            from renda.core.scheduler import start_in_process_scheduler

            start_in_process_scheduler()
