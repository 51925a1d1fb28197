from lspshop import cache


def prepare():
    cache.fill()
