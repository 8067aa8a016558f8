"""Train the churn model (run by hand after the notebook has prepared the data)."""

import pickle

import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split

df = pd.read_csv("/home/alice/data/churn.csv")
X, y = df.drop(columns="churn"), df["churn"]
X_train, X_test, y_train, y_test = train_test_split(X, y)
model = RandomForestClassifier(n_estimators=200)
model.fit(X_train, y_train)
print("accuracy", model.score(X_test, y_test))

with open("model.pkl", "wb") as handle:
    pickle.dump(model, handle)


def load_model(path: str) -> RandomForestClassifier:
    with open(path, "rb") as handle:
        return pickle.load(handle)
