"""Split the raw data into train and test sets."""

import pandas as pd
import yaml
from sklearn.model_selection import train_test_split

params = yaml.safe_load(open("params.yaml"))["train"]
df = pd.read_csv("data/raw/churn.csv")
train, test = train_test_split(df, test_size=0.2, random_state=params["seed"])
train.to_parquet("data/prepared/train.parquet")
test.to_parquet("data/prepared/test.parquet")
