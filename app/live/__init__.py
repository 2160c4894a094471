"""What every live screen of a meeting shows, built once per change (see app/core/live.py for the push)."""
