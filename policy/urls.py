from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Policy archive: editors"
admin.site.site_title = "Policy archive"
admin.site.index_title = "Organisations, statements, resolutions and topics"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("statements.urls")),
]
