import time


def fill():
    time.sleep(10)
