from django.urls import path

from kbs.workforce import views

app_name = "workforce"
urlpatterns = [
    path("training/", views.home, name="home"),
    path("training/e-learning/", views.elearning, name="elearning"),
    path("training/e-learning/refresher/", views.refresher, name="refresher"),
    path("training/e-learning/certificates/<str:public_id>/", views.certificate, name="certificate"),
    path("training/e-learning/<slug:slug>/", views.module, name="module"),
    path("training/e-learning/<slug:slug>/pages/<int:page>/", views.module_page, name="module_page"),
    path("training/e-learning/<slug:slug>/check/", views.check, name="check"),
    path("training/people/", views.people, name="people"),
    path("training/people/<int:user_id>/", views.person, name="person"),
    path("training/champions/", views.champions, name="champions"),
    path("training/champions/manage/", views.manage_champions, name="manage_champions"),
    path("training/champions/my-briefings/", views.my_briefings, name="my_briefings"),
    path("training/champions/<int:champion_id>/remove/", views.remove_champion, name="remove_champion"),
    path("training/champions/<int:champion_id>/briefings/", views.briefings, name="briefings"),
    path("training/confidence/", views.confidence, name="confidence"),
    path("training/confidence/<str:course>/<str:when>/", views.rate, name="rate"),
]

# The Level 3 course, training records and coverage (kbs/workforce/courses.py, records.py, coverage.py).
from kbs.workforce import courses, coverage, records  # noqa: E402

urlpatterns += [
    path("training/level-3/", courses.course_page, name="course"),
    path("training/level-3/sessions/new/", courses.session_new, name="course_session_new"),
    path("training/level-3/sessions/<int:session_id>/", courses.session_page, name="course_session"),
    path("training/level-3/sessions/<int:session_id>/book/", courses.session_book, name="course_session_book"),
    path("training/level-3/sessions/<int:session_id>/cancel/", courses.session_cancel, name="course_session_cancel"),
    path("training/level-3/sessions/<int:session_id>/attendance/", courses.attendance, name="course_attendance"),
    path("training/level-3/bookings/<int:booking_id>/cancel/", courses.booking_cancel, name="booking_cancel"),
    path("training/level-3/bookings/<int:booking_id>/accept/", courses.offer_accept, name="offer_accept"),
    path("training/level-3/bookings/<int:booking_id>/decline/", courses.offer_decline, name="offer_decline"),
    path("training/records/", records.my_record, name="records_mine"),
    path("training/records/import/", records.import_records, name="records_import"),
    path("training/records/<int:user_id>/", records.person_record, name="records_person"),
    path("training/coverage/", coverage.coverage_page, name="coverage"),
]
