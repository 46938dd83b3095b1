"""Browser tests of the HTML pages (headless Chromium through selenium).

A package so that its conftest.py is imported as `browser.conftest`: the e2e tests import the parent
tests/e2e/conftest.py as the top-level module `conftest`, which a second rootless conftest.py would replace.
"""
