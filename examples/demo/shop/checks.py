"""Sanity checks run in every pool child."""
import shutil
import sys


def verify_disk():
    if shutil.disk_usage("/").free < 1_000_000_000:
        sys.exit("not enough disk space")
