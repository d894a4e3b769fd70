"""TF-IDF + logistic regression baseline; every candidate model must beat it."""

from __future__ import annotations

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from ml_pipeline.data import load_tickets


def baseline_f1() -> float:
    frame = load_tickets()
    x_train, x_test, y_train, y_test = train_test_split(
        frame["text"], frame["label"], test_size=0.2, random_state=7, stratify=frame["label"]
    )
    pipeline = make_pipeline(TfidfVectorizer(min_df=3, ngram_range=(1, 2)), LogisticRegression(max_iter=2000))
    pipeline.fit(x_train, y_train)
    return f1_score(y_test, pipeline.predict(x_test), average="macro")
