"""Train the churn model, track the run and register the model."""

import random

import mlflow
import mlflow.sklearn
import numpy as np
import pandas as pd
import yaml
from sklearn.ensemble import RandomForestClassifier

params = yaml.safe_load(open("params.yaml"))["train"]
random.seed(params["seed"])
np.random.seed(params["seed"])

train = pd.read_parquet("data/prepared/train.parquet")
X, y = train.drop(columns="churn"), train["churn"]

with mlflow.start_run():
    mlflow.log_params(params)
    model = RandomForestClassifier(
        n_estimators=params["n_estimators"], random_state=params["seed"]
    )
    model.fit(X, y)
    mlflow.log_metric("train_accuracy", model.score(X, y))
    mlflow.sklearn.log_model(model, "model", registered_model_name="churn")
