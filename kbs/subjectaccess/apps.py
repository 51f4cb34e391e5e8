from django.apps import AppConfig


class SubjectAccessConfig(AppConfig):
    name = "kbs.subjectaccess"
    label = "subjectaccess"
    verbose_name = "Subject access requests"
