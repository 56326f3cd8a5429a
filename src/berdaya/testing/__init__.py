"""Test helpers, in one place (not collected as tests; importable from any app's tests):

- factories: areas, users of every role, organisations, households, people, groups, NIK/KK numbers;
- clients: a test client signed in as a user; browser: headless Chromium and the login form; accessibility: axe;
- programmes, partners, markets, migration: builders of each domain's records, through its services;
- demo: the whole demo, small, for the end-to-end tests; worlds: data built once per test module;
- crawl: visit every page a user reaches by following links.
"""
