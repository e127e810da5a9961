"""Training screens: each views module declares its own ``urlpatterns``."""

from lijiao.training.views import classes, enrollment

app_name = "training"
urlpatterns = [*classes.urlpatterns, *enrollment.urlpatterns]
