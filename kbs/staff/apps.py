from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "kbs.staff"
    label = "staff"
    verbose_name = "Staff accounts"
