from django.urls import path

from kbs.concerns import views

app_name = "concerns"
urlpatterns = [
    path("families/<str:family_id>/concerns/new/", views.raise_concern, name="raise"),
    path("families/<str:family_id>/referrals/new/", views.record_referral_for_family, name="record_referral"),
    path("concerns/inbox/", views.inbox, name="inbox"),
    path("concerns/overdue/", views.overdue, name="overdue"),
    path("concerns/<str:concern_id>/", views.concern_page, name="concern"),
    path("concerns/<str:concern_id>/decide/", views.decide, name="decide"),
    path("concerns/<str:concern_id>/close/", views.close, name="close"),
    path("concerns/<str:concern_id>/referrals/new/", views.record_referral_for_concern, name="record_referral_for_concern"),
    path("referrals/<str:referral_id>/", views.referral_page, name="referral"),
    path("referrals/<str:referral_id>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("referrals/<str:referral_id>/outcome/", views.outcome, name="outcome"),
    path("my-work/", views.my_work, name="my_work"),
    path("tasks/<str:task_id>/", views.task_page, name="task"),
    path("tasks/<str:task_id>/complete/", views.complete_task, name="complete_task"),
    path("tasks/<str:task_id>/cancel/", views.cancel_task, name="cancel_task"),
]
