# One date and one datetime format on every page (Django's own Indonesian formats mix "6 Des. 2026, 7.28" with
# "06-12-2026 7.27"). Input formats are left to Django's locale files: forms still read what people type.
DATE_FORMAT = "j M Y"  # 6 Des 2026
DATETIME_FORMAT = "j M Y, H.i"  # 6 Des 2026, 07.15 (the time with a dot, as Indonesian writes it)
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
