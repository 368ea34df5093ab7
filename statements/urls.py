from django.urls import path
from django.views.generic import TemplateView

# Public pages arrive with the public-pages issue; the names are fixed now so that
# models can link to them ("view on site").
urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("topics/<slug:key>/", TemplateView.as_view(template_name="home.html"), name="topic-detail"),
    path("organisations/<slug:key>/", TemplateView.as_view(template_name="home.html"), name="organisation-detail"),
    path("statements/<slug:key>/", TemplateView.as_view(template_name="home.html"), name="statement-detail"),
    path("congresses/<slug:key>/", TemplateView.as_view(template_name="home.html"), name="congress-detail"),
    path("resolutions/<slug:key>/", TemplateView.as_view(template_name="home.html"), name="resolution-detail"),
]
