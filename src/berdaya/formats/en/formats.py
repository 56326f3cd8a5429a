# The same shapes as in Indonesian (see ../id/formats.py), in English month names and a colon in times.
DATE_FORMAT = "j M Y"  # 6 Dec 2026
DATETIME_FORMAT = "j M Y, H:i"  # 6 Dec 2026, 07:15
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
