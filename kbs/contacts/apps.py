from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "kbs.contacts"
    label = "contacts"
