"""Stubs of the emergence.v1 contracts, generated from proto/ by generate_stubs.py; do not edit."""
