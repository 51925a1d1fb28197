"""Model loading for recommendations."""
import time

import requests

MODEL_URL = "http://models.internal/recommender.bin"
WARMUP_ROUNDS = 3
WARMUP_PAUSE = 1.5


def load_models():
    blob = fetch(MODEL_URL)
    for _ in range(WARMUP_ROUNDS):
        time.sleep(WARMUP_PAUSE)
    return blob


def fetch(url):
    return requests.get(url).content
