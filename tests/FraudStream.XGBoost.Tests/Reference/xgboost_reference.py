"""Reference side of FraudStream's XGBoost cross-checks: Debian's python3-xgboost 1.7.4 over the same libxgboost.

Usage (all arrays are raw little-endian float32, row-major):
  xgboost_reference.py train   DIR NTHREAD             -> DIR/model.ubj, features.bin, shape.txt, predictions.bin, inplace.bin
  xgboost_reference.py predict DIR NTHREAD ROWS COLS   <- DIR/model.ubj, features.bin; -> DIR/predictions.bin
  xgboost_reference.py variety DIR NTHREAD             -> DIR/<kind>.ubj, <kind>.json, <kind>.predictions.bin, features.bin, shape.txt
"""
import os
import sys

import numpy as np
import xgboost as xgb


def features(rows, cols, seed):
    rng = np.random.RandomState(seed)
    x = rng.standard_normal((rows, cols)).astype(np.float32)
    x[rng.random_sample((rows, cols)) < 0.03] = np.nan  # missing values take the default branches
    return x


def binary_labels(x):
    z = 1.5 * np.nan_to_num(x[:, 0]) - np.nan_to_num(x[:, 1]) + 0.3 * np.nan_to_num(x[:, 2]) ** 2
    return (z > 0.2).astype(np.float32)


def write(path, array):
    np.ascontiguousarray(array, dtype="<f4").tofile(path)


def train(out, nthread):
    x = features(400, 5, seed=7)
    booster = xgb.train(
        {"objective": "binary:logistic", "max_depth": 4, "eta": 0.3, "nthread": nthread, "seed": 0, "tree_method": "hist"},
        xgb.DMatrix(x, label=binary_labels(x), missing=np.nan),
        num_boost_round=15,
    )
    booster.save_model(os.path.join(out, "model.ubj"))
    scored = features(257, 5, seed=8)
    write(os.path.join(out, "features.bin"), scored)
    with open(os.path.join(out, "shape.txt"), "w") as shape:
        shape.write(f"{scored.shape[0]} {scored.shape[1]}\n")
    write(os.path.join(out, "predictions.bin"), booster.predict(xgb.DMatrix(scored, missing=np.nan)))
    write(os.path.join(out, "inplace.bin"), booster.inplace_predict(scored, missing=np.nan))


def predict(out, nthread, rows, cols):
    booster = xgb.Booster(model_file=os.path.join(out, "model.ubj"))
    booster.set_param({"nthread": nthread})
    x = np.fromfile(os.path.join(out, "features.bin"), dtype="<f4").reshape(rows, cols)
    matrix = xgb.DMatrix(x, missing=np.nan, feature_names=booster.feature_names)
    write(os.path.join(out, "predictions.bin"), booster.predict(matrix))


def variety(out, nthread):
    x = features(300, 4, seed=11)
    y = binary_labels(x)
    three_classes = (np.nan_to_num(x[:, 0]) > 0).astype(np.float32) + (np.nan_to_num(x[:, 1]) > 0.5).astype(np.float32)
    base = {"nthread": nthread, "seed": 0, "max_depth": 3}
    kinds = {
        "hist": ({"objective": "binary:logistic", "tree_method": "hist"}, y),
        "exact": ({"objective": "binary:logistic", "tree_method": "exact"}, y),
        "approx_lossguide": ({"objective": "binary:logistic", "tree_method": "approx", "grow_policy": "lossguide",
                              "max_depth": 0, "max_leaves": 6}, y),
        "pruned": ({"objective": "binary:logistic", "tree_method": "exact", "gamma": 4.0, "max_depth": 6}, y),
        "dart": ({"objective": "binary:logistic", "booster": "dart", "rate_drop": 0.3, "tree_method": "hist"}, y),
        "softprob": ({"objective": "multi:softprob", "num_class": 3, "tree_method": "hist"}, three_classes),
        "regression": ({"objective": "reg:squarederror", "tree_method": "hist"}, np.nan_to_num(x[:, 0]) * 2.0),
    }
    scored = features(64, 4, seed=12)
    write(os.path.join(out, "features.bin"), scored)
    with open(os.path.join(out, "shape.txt"), "w") as shape:
        shape.write(f"{scored.shape[0]} {scored.shape[1]}\n")
    for name, (params, labels) in kinds.items():
        train_matrix = xgb.DMatrix(x, label=labels, missing=np.nan, feature_names=["a", "b", "c", "d"])
        booster = xgb.train({**base, **params}, train_matrix, num_boost_round=6)
        booster.set_attr(best_iteration="4")
        booster.save_model(os.path.join(out, name + ".ubj"))
        booster.save_model(os.path.join(out, name + ".json"))
        matrix = xgb.DMatrix(scored, missing=np.nan, feature_names=["a", "b", "c", "d"])
        write(os.path.join(out, name + ".predictions.bin"), booster.predict(matrix))
    with open(os.path.join(out, "kinds.txt"), "w") as listing:
        listing.write("\n".join(kinds) + "\n")


if __name__ == "__main__":
    command, directory, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if command == "train":
        train(directory, threads)
    elif command == "predict":
        predict(directory, threads, int(sys.argv[4]), int(sys.argv[5]))
    elif command == "variety":
        variety(directory, threads)
    else:
        sys.exit(f"unknown command {command}")
