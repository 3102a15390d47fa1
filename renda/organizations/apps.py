from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "renda.organizations"
    label = "organizations"
    verbose_name = "组织机构"
