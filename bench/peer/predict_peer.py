"""The reference projects' style of /predict service, for `make bench-predict`: FastAPI + uvicorn + XGBoost, all from
Debian's packages (run it with /usr/bin/python3, not another Python on PATH).

It serves the production model of a FraudStream model registry (a local directory) with the same features as
FraudStream.Core's pipeline (the 16 transaction features of tx-v1, src/FraudStream.Core/Features/TransactionFeatures.cs,
ported line by line), the model's threshold and its best iteration, so a transaction gets the same score here as from
`fraudstream api`. A tx-v2 model also names history features (the card's, merchant's and terminal's recent past);
`fraudstream api` keeps no history and answers /predict with every history feature missing ("history": "missing"),
so this peer leaves every feature it does not compute as NaN, which XGBoost treats as missing, and says so too.

    PEER_REGISTRY=/path/to/registry PEER_API_KEY=... PEER_THREADS=1 \
        /usr/bin/python3 -m uvicorn predict_peer:app --app-dir bench/peer --host 127.0.0.1 --port 8081

What a reasonable reference service does, and no more: a pydantic request model (so FastAPI validates and documents the
body), X-API-Key checked in constant time, Booster.inplace_predict on a float32 numpy array (one row for /predict),
XGBoost's approximate contributions for the top features of transactions at or above the threshold (as `fraudstream api`
lists them), plain dicts as answers. No feature history, no hot reload, no rate limit, no metrics.
"""

import datetime as dt
import hmac
import math
import os
from typing import List, Literal, Optional

import numpy as np
import xgboost as xgb
from fastapi import FastAPI, Header, HTTPException
from pydantic import BaseModel

from peer_model import all_features, iteration_range, load_production, model_columns, threshold_of

TOP_FEATURES = 3


class Transaction(BaseModel):
    transaction_id: str
    card_id: str
    event_time: dt.datetime
    amount: float
    currency: str
    merchant_id: str
    merchant_category: str
    channel: Literal["POS", "ECOMMERCE", "ATM", "CONTACTLESS", "UNKNOWN"]
    card_present: bool
    terminal_id: Optional[str] = None
    merchant_country: Optional[str] = None
    merchant_latitude: Optional[float] = None
    merchant_longitude: Optional[float] = None
    cardholder_latitude: Optional[float] = None
    cardholder_longitude: Optional[float] = None


class Batch(BaseModel):
    transactions: List[Transaction]


VERSION, BOOSTER, METADATA = load_production(os.environ["PEER_REGISTRY"], int(os.environ.get("PEER_THREADS", "1")))
MODEL_FEATURES = METADATA["pipeline"]["feature_names"]
# Where each model column comes from in all_features(), or None: a history feature, missing (NaN) as in the api's answers.
COLUMNS = model_columns(METADATA)
HISTORY = "missing" if None in COLUMNS else "not_used"
THRESHOLD = threshold_of(METADATA)
ITERATIONS = iteration_range(METADATA)
API_KEY = os.environ["PEER_API_KEY"].encode()

app = FastAPI(title="predict peer")


def check_key(key: Optional[str]):
    if key is None or not hmac.compare_digest(key.encode(), API_KEY):
        raise HTTPException(status_code=401, detail="missing or wrong X-API-Key")


def rows_of(transactions):
    rows = np.empty((len(transactions), len(COLUMNS)), dtype=np.float32)
    for i, t in enumerate(transactions):
        features = all_features(t)
        rows[i] = [math.nan if c is None else features[c] for c in COLUMNS]
    return rows


def predict(transactions):
    rows = rows_of(transactions)
    scores = BOOSTER.inplace_predict(rows, iteration_range=ITERATIONS)
    predictions = []
    alerts = [i for i, s in enumerate(scores) if s >= THRESHOLD]
    contributions = {}
    if alerts:
        # Approximate (Saabas) contributions of the alerting rows, as the api's default; last column is the bias.
        values = BOOSTER.predict(xgb.DMatrix(rows[alerts], missing=np.nan), pred_contribs=True, approx_contribs=True,
                                 iteration_range=ITERATIONS, validate_features=False)
        contributions = dict(zip(alerts, values))
    for i, t in enumerate(transactions):
        top = []
        if i in contributions:
            c = contributions[i][:-1]
            for j in [j for j in np.argsort(-c, kind="stable") if c[j] > 0][:TOP_FEATURES]:
                top.append({"feature": MODEL_FEATURES[j], "value": float(rows[i, j]), "contribution": float(c[j])})
        score = float(scores[i])
        predictions.append({"transaction_id": t.transaction_id, "score": score, "is_fraud": score >= THRESHOLD,
                            "threshold": THRESHOLD, "model_version": VERSION, "top_features": top,
                            "history": HISTORY})
    return predictions


@app.post("/predict")
def predict_one(transaction: Transaction, x_api_key: Optional[str] = Header(default=None)):
    check_key(x_api_key)
    return predict([transaction])[0]


@app.post("/predict/batch")
def predict_batch(batch: Batch, x_api_key: Optional[str] = Header(default=None)):
    check_key(x_api_key)
    if len(batch.transactions) > 1000:
        raise HTTPException(status_code=413, detail="at most 1000 transactions")
    return {"model_version": VERSION, "predictions": predict(batch.transactions)}


@app.get("/health")
def health():
    return {"status": "ready", "model_version": VERSION}
