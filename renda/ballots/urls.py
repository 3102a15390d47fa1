from django.urls import path

from renda.ballots import views

app_name = "ballots"

urlpatterns = [
    path("", views.ballot_list, name="list"),
    path("vote/", views.code_vote, name="code_vote"),
    path("<int:ballot_id>/slips.docx", views.code_slips, name="code_slips"),
    path("<int:ballot_id>/", views.ballot_detail, name="detail"),
    path("<int:ballot_id>/open/", views.ballot_open, name="open"),
    path("<int:ballot_id>/close/", views.ballot_close, name="close"),
    path("<int:ballot_id>/screen/", views.ballot_screen, name="screen"),
]
