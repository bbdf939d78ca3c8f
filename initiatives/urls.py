from initiatives.views import PAGES

app_name = PAGES.namespace
urlpatterns = PAGES.urls()
