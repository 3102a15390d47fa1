from django.urls import path

from renda.organizations import views

app_name = "organizations"

urlpatterns = [
    path("congresses/", views.congress_tree, name="congress_tree"),
    path("congresses/<int:congress_id>/", views.congress_detail, name="congress_detail"),
    path("units/", views.unit_list, name="unit_list"),
    path("units/new/", views.unit_create, name="unit_create"),
    path("units/<int:unit_id>/", views.unit_edit, name="unit_edit"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:user_id>/", views.user_detail, name="user_detail"),
    path("roles/<int:assignment_id>/revoke/", views.role_revoke, name="role_revoke"),
]
