"""Keeping Babies Safe: a multi-agency record for families with babies."""
