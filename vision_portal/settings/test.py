"""The test suite: local settings with a fast password hasher."""

from vision_portal.env import env_str

from .local import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Two test runs side by side (e.g. two checkouts, or a run while another is going) need
# different databases.
DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME", "test_vision_portal")}  # noqa: F405
