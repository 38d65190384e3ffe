"""What both peers share: the registry's production model, and the transaction features FraudStream.Core computes.

The 16 transaction features of tx-v1 (src/FraudStream.Core/Features/TransactionFeatures.cs, ported line by line) from any
object with the transaction's fields as attributes (the /predict peer's pydantic model, the scorer peer's decoded Avro
record). A tx-v2 model also names history features; neither peer keeps history, so those columns are NaN (missing).
"""

import datetime as dt
import json
import math
import os

import numpy as np
import xgboost as xgb

EARTH_RADIUS_KM = 6371.0088
HIGH_RISK_CATEGORIES = frozenset([4829, 5732, 5815, 5816, 5817, 5818, 5944, 5947, 6051, 7995])
STATELESS_VERSION = "tx-v1"  # the transaction's own features only
HISTORY_VERSION = "tx-v2"  # the same 16, then history features, which /predict has none of
FEATURE_NAMES = [
    "amount", "log_amount", "amount_is_whole", "hour_of_day", "day_of_week", "is_night", "is_weekend",
    "channel_pos", "channel_ecommerce", "channel_atm", "channel_contactless", "card_present",
    "merchant_category", "merchant_category_high_risk", "has_terminal", "distance_from_home_km",
]


def load_production(registry, threads=1):
    """The registry's production version: (version, Booster, metadata)."""
    with open(os.path.join(registry, "models", "production.json"), encoding="utf-8") as f:
        version = json.load(f)["version"]
    folder = os.path.join(registry, "models", version)
    with open(os.path.join(folder, "metadata.json"), encoding="utf-8") as f:
        metadata = json.load(f)
    pipeline = metadata["pipeline"]
    if pipeline["version"] not in (STATELESS_VERSION, HISTORY_VERSION):
        raise RuntimeError(f"model {version} needs pipeline {pipeline['version']}, this peer serves {STATELESS_VERSION} and {HISTORY_VERSION}")
    unknown = [name for name in pipeline["feature_names"] if name not in FEATURE_NAMES]
    if pipeline["version"] == STATELESS_VERSION and unknown:
        raise RuntimeError(f"model {version} ({STATELESS_VERSION}) names features this peer does not compute: {', '.join(unknown)}")
    booster = xgb.Booster(model_file=os.path.join(folder, metadata["model_file"]))
    booster.set_param({"nthread": threads})
    return version, booster, metadata


def all_features(t):
    """The 16 tx-v1 features in the pipeline's own order, as TransactionFeatures.Compute writes them."""
    time = t.event_time if t.event_time.tzinfo is not None else t.event_time.replace(tzinfo=dt.timezone.utc)
    time = time.astimezone(dt.timezone.utc)
    hour = time.hour
    category = t.merchant_category
    mcc = int(category) if category.isascii() and category.isdigit() and int(category) <= 2**31 - 1 else -1
    amount = t.amount
    return [
        amount,
        math.log(1 + max(amount, 0.0)),
        1.0 if amount == math.floor(amount) else 0.0,
        hour,
        time.weekday(),  # Monday = 0
        1.0 if hour < 6 else 0.0,
        1.0 if time.weekday() >= 5 else 0.0,
        1.0 if t.channel == "POS" else 0.0,
        1.0 if t.channel == "ECOMMERCE" else 0.0,
        1.0 if t.channel == "ATM" else 0.0,
        1.0 if t.channel == "CONTACTLESS" else 0.0,
        1.0 if t.card_present else 0.0,
        float(mcc) if mcc >= 0 else math.nan,
        (1.0 if mcc in HIGH_RISK_CATEGORIES else 0.0) if mcc >= 0 else math.nan,
        0.0 if not t.terminal_id else 1.0,
        distance_km(t),
    ]


def distance_km(t):
    lat1, lon1, lat2, lon2 = t.cardholder_latitude, t.cardholder_longitude, t.merchant_latitude, t.merchant_longitude
    if lat1 is None or lon1 is None or lat2 is None or lon2 is None:
        return math.nan
    # Haversine: great-circle distance on a spherical Earth.
    d_lat = math.radians(lat2 - lat1)
    d_lon = math.radians(lon2 - lon1)
    a = (math.sin(d_lat / 2) * math.sin(d_lat / 2)
         + math.cos(math.radians(lat1)) * math.cos(math.radians(lat2)) * math.sin(d_lon / 2) * math.sin(d_lon / 2))
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def model_columns(metadata):
    """Where each model column comes from in all_features(), or None: a history feature, left missing (NaN)."""
    return [FEATURE_NAMES.index(name) if name in FEATURE_NAMES else None for name in metadata["pipeline"]["feature_names"]]


def iteration_range(metadata):
    """The trees the model scores with: up to its best iteration, as FraudStream does."""
    return (0, int(metadata.get("best_iteration", 0)) + 1)


def threshold_of(metadata):
    """The alert threshold as FraudStream compares it: a float32."""
    return float(np.float32(metadata["threshold"]))
