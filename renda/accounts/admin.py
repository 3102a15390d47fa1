from django.contrib import admin

from renda.accounts.models import User

admin.site.register(User)
