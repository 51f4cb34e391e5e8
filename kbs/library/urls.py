from django.urls import path

from kbs.library import views

app_name = "library"
urlpatterns = [
    path("library/", views.home, name="home"),
    path("library/documents/new/", views.add_document, name="add_document"),
    path("library/documents/<int:document_id>/", views.document, name="document"),
    path("library/documents/<int:document_id>/versions/new/", views.add_version, name="add_version"),
    path("library/documents/<int:document_id>/versions/<int:number>/file/", views.download, name="download"),
    path("library/reviews-due/", views.reviews_due, name="reviews_due"),
]
