"""The city itself: its profile (names, logo, time zone, record language, notices) and first-run setup."""
