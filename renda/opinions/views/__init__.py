"""Opinion pages, one module per audience; each exposes ``urlpatterns``."""
