"""Shared pieces with no blueprint: database base class and types, time helpers, audit log."""
