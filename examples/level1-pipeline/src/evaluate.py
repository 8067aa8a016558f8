"""Evaluate the trained model and fail the pipeline below the accuracy bar."""

import json
import sys

import mlflow.sklearn
import pandas as pd
import yaml
from sklearn.metrics import accuracy_score

bar = yaml.safe_load(open("params.yaml"))["evaluate"]["min_accuracy"]
test = pd.read_parquet("data/prepared/test.parquet")
model = mlflow.sklearn.load_model("models:/churn/latest")
accuracy = accuracy_score(test["churn"], model.predict(test.drop(columns="churn")))
json.dump({"accuracy": accuracy}, open("metrics.json", "w"))
if accuracy < bar:
    sys.exit(f"accuracy {accuracy:.3f} is below {bar}")
