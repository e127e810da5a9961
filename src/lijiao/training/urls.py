"""Training screens: each views module declares its own ``urlpatterns``."""

from lijiao.training.views import classes, devices, enrollment, exports, roster, timetable

app_name = "training"
urlpatterns = [
    *classes.urlpatterns,
    *enrollment.urlpatterns,
    *roster.urlpatterns,
    *timetable.urlpatterns,
    *devices.urlpatterns,
    *exports.urlpatterns,
]
