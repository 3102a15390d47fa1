from django.urls import URLPattern

from renda.motions.views import urlpatterns as page_urlpatterns

app_name = "motions"

urlpatterns: list[URLPattern] = [*page_urlpatterns]
