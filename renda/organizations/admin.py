from django.contrib import admin

from renda.organizations.models import Congress, RoleAssignment, Unit

admin.site.register(Congress)
admin.site.register(Unit)
admin.site.register(RoleAssignment)
