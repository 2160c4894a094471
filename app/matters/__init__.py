"""Matters (legislative files, issue 20): one identity per piece of business from intake to final action, across
any number of meetings and bodies. An agenda item is a matter's appearance at a meeting."""
