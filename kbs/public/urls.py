from django.urls import path, register_converter

from kbs.public import views


class LanguageCode:
    """Two lower-case letters: never one of the pages' names, which are longer."""

    regex = "[a-z]{2}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(LanguageCode, "lang")

app_name = "public"
urlpatterns = [
    path("keeping-babies-safe/", views.page, name="index"),
    path("keeping-babies-safe/<lang:lang>/", views.page, name="index_in"),
    path("keeping-babies-safe/<lang:lang>/<slug:slug>/", views.page, name="page_in"),
    path("keeping-babies-safe/<slug:slug>/", views.page, name="page"),
    path("translations/", views.translations, name="translations"),
    path("translations/<lang:lang>/", views.review_translation, name="review_translation"),
]
